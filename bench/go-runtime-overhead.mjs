// What the goruntime signal's uprobes cost a Go HTTP service (bench/goserver:
// 50 sha256 rounds, a sync.Mutex and a pwrite per request), saturated by
// wrk -t1 -c32, in three set-ups alternating within each round:
//   untraced           the baseline
//   gc + goroutines    probes on stopTheWorldWithSema/startTheWorldWithSema
//                      and newproc1/goexit1 (the goruntime signal, waits off)
//   all parts          also gopark and execute (goroutine waits and park stacks)
// Figures: throughput and p99 against the baseline of the same round; probe
// hits per request and the ns each program runs (kernel.bpf_stats_enabled);
// and, on a one-P ping-pong program (bench/gopingpong), what one uprobe hit
// adds to the probed goroutine's time (trap, program, return) over the ns
// the program alone runs.
// The loader runs with the process and goruntime signals only; the signal's own
// TypeScript part (createGoRuntimeSignal) finds the server and attaches.
// usage: node bench/go-runtime-overhead.mjs [rounds] [seconds-per-run]   (root)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@stallscope/common';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { ProcessRegistry } from '../bpf-agent/dist/src/process/process-registry.js';
import { SymbolizeBudget } from '../bpf-agent/dist/src/symbols/index.js';
import { createGoRuntimeSignal } from '../bpf-agent/dist/signals/goruntime/goruntime-signal.js';
import {
  bpfProgramDeltas,
  bpfProgramsOf,
  buildGo,
  fixed,
  hasCommand,
  median,
  printTable,
  createProgress,
  requireRoot,
  startGoServer,
  withBpfStats,
  wrkSaturated,
} from './lib/kit.mjs';

const NAME = 'go-runtime-overhead';
/** Notes only: the rounds of its two phases differ in kind. */
const status = createProgress(NAME);
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
const PASSES = 400_000;
const GOROUTINES = 100_000;

requireRoot(NAME);
const missing = [
  !hasCommand('go') && 'no Go toolchain to build the server',
  !hasCommand('wrk') && 'wrk not installed (scripts/setup.sh --for-bench installs it)',
].filter(Boolean);
if (missing.length > 0) {
  console.log(`${NAME}: skipped, ${missing.join('; ')}`);
  process.exit(0);
}

status.update(0, 'building the Go server');
const pingPongBinary = buildGo('gopingpong');
const server = await startGoServer();
const saturated = () => wrkSaturated(server.url, seconds);

/**
 * fn(probed) while the goruntime signal runs with these parts; probed(pid)
 * resolves once that process's binary is probed. Returns fn's result and the
 * probe programs' runs over fn (bpf_stats).
 */
async function withGoRuntimeSignal(parts, fn) {
  const processes = new ProcessRegistry(10_000);
  const attached = [];
  let loader;
  let helloSeen;
  const hello = new Promise((resolve) => (helloSeen = resolve));
  const signal = createGoRuntimeSignal(
    { hostName: 'bench', processes, toUnixNs: (ns) => ns, command: (line) => { attached.push(line); loader.command('goruntime', line); } },
    { parts, maxParkStacksPerService: 10, symbolize: () => [], symbolizeBudget: new SymbolizeBudget(1), logger: createLogger('warn') },
  );
  loader = spawnLoader({
    loaderPath: defaultLoaderPath(),
    signals: ['process', 'goruntime'],
    intervalMs: 1000,
    slowThresholdNs: 10_000_000n,
    slowEventsForIdle: false,
    stackMinNs: 10_000n,
    offCpuStackSampleEvery: 16,
    fdClassMinNs: 2_000n,
    syscallClassifyCodes: new Map(),
    maxHistEntries: 65536,
    logger: createLogger('warn'),
    onRecord(record) {
      if (record.type === 'hello') helloSeen();
      if (signal.recordTypes.includes(record.type)) signal.onRecord(record);
      if (record.type === 'snapshot-end') signal.endInterval({ startTime: [0, 0], endTime: [0, 0] });
    },
    onExit() {},
  });
  const probed = async (pid) => {
    while (!attached.some((line) => line.includes(`/proc/${pid}/exe `))) await sleep(20);
    await sleep(300); // the loader takes the command within one poll turn
  };
  try {
    await hello;
    const before = await bpfProgramsOf([loader.pid]);
    const result = await fn(probed);
    const programs = bpfProgramDeltas(before, await bpfProgramsOf([loader.pid]))
      .filter((program) => program.name.startsWith('go_'));
    return { ...result, programs };
  } finally {
    await loader.stop();
  }
}

/** The ping-pong program: ns per op, and the probe hits its run made. */
async function pingPong(passes, goroutines, parts) {
  const measure = async (probed) => {
    const child = spawn(pingPongBinary, [String(passes), String(goroutines)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    await lines.next(); // ready
    await probed?.(child.pid);
    child.stdin.write('go\n');
    const figures = JSON.parse((await lines.next()).value);
    await once(child, 'exit');
    return figures;
  };
  return parts ? withGoRuntimeSignal(parts, measure) : { ...(await measure()), programs: [] };
}

const setups = [
  { name: 'gc + goroutines', parts: { gc: true, goroutines: true, waits: false } },
  { name: 'all parts (waits on)', parts: { gc: true, goroutines: true, waits: true } },
];

try {
  const runs = { untraced: [], ...Object.fromEntries(setups.map((s) => [s.name, []])) };
  await withBpfStats(async () => {
    for (let round = 1; round <= rounds; round++) {
      runs.untraced.push(await saturated());
      status.update(0, `round ${round}/${rounds} untraced ${fixed(runs.untraced.at(-1).rps, 0)} req/s`);
      for (const setup of setups) {
        runs[setup.name].push(
          await withGoRuntimeSignal(setup.parts, async (probed) => {
            await probed(server.pid);
            return saturated();
          }),
        );
        status.update(0, `round ${round}/${rounds} ${setup.name} ${fixed(runs[setup.name].at(-1).rps, 0)} req/s`);
      }
    }
  });
  const baseRps = median(runs.untraced.map((r) => r.rps));
  const baseP99 = median(runs.untraced.map((r) => r.p99Ms));
  const rows = [['untraced', fixed(baseRps, 0), '1.000', fixed(baseP99, 2), '1.00', '–']];
  const programRows = [];
  for (const setup of setups) {
    const setupRuns = runs[setup.name];
    const rps = median(setupRuns.map((r) => r.rps));
    const p99 = median(setupRuns.map((r) => r.p99Ms));
    const hitsPerRequest = median(setupRuns.map((r) => r.programs.reduce((sum, p) => sum + p.runs, 0) / r.requests));
    rows.push([setup.name, fixed(rps, 0), fixed(rps / baseRps, 3), fixed(p99, 2), fixed(p99 / baseP99, 2), fixed(hitsPerRequest, 2)]);
    for (const program of setupRuns.at(-1).programs.filter((p) => p.runs > 0)) {
      programRows.push([setup.name, program.name, fixed(program.runs / setupRuns.at(-1).requests, 3), fixed(program.nsPerRun, 0)]);
    }
  }
  // Per hit, on one P with nothing else in the process: ns per op traced minus
  // untraced, over the probe hits per op.
  const perHitRows = [];
  const ops = [
    { what: 'channel pass (gopark + execute)', args: [PASSES, 0], key: 'passNs', count: PASSES },
    { what: 'goroutine start and exit (newproc1 + goexit1, and one pass)', args: [0, GOROUTINES], key: 'goroutineNs', count: GOROUTINES },
  ];
  for (const op of ops) {
    const untraced = [];
    const traced = [];
    await withBpfStats(async () => {
      for (let round = 1; round <= rounds; round++) {
        untraced.push(await pingPong(...op.args));
        traced.push(await pingPong(...op.args, { gc: true, goroutines: true, waits: true }));
        status.update(0, `${op.what} round ${round}/${rounds}: ${fixed(untraced.at(-1)[op.key], 0)} / ${fixed(traced.at(-1)[op.key], 0)} ns`);
      }
    });
    const base = median(untraced.map((r) => r[op.key]));
    const withProbes = median(traced.map((r) => r[op.key]));
    const hitsPerOp = median(traced.map((r) => r.programs.reduce((sum, p) => sum + p.runs, 0) / op.count));
    const programNs = median(traced.map((r) => r.programs.reduce((sum, p) => sum + p.runTimeNs, 0) / r.programs.reduce((sum, p) => sum + p.runs, 0)));
    perHitRows.push([op.what, fixed(base, 0), fixed(withProbes, 0), fixed(withProbes / base, 2), fixed(hitsPerOp, 2), fixed((withProbes - base) / hitsPerOp, 0), fixed(programNs, 0)]);
  }
  status.finish();
  console.log(`${NAME}: one uprobe hit, GOMAXPROCS=1 ping-pong (bench/gopingpong), median of ${rounds} rounds`);
  printTable(['operation', 'untraced ns/op', 'traced ns/op', 'ratio', 'probe hits/op', 'added ns/hit', 'program ns/run'], perHitRows);
  console.log(`${NAME}: Go HTTP server saturated by wrk -t1 -c32, ${seconds} s a run, median of ${rounds} rounds`);
  printTable(['set-up', 'req/s', 'vs untraced', 'p99 ms', 'vs untraced', 'probe hits/request'], rows);
  printTable(['set-up (last round)', 'program', 'runs/request', 'ns/run (program only)'], programRows);
} finally {
  server.stop();
}
