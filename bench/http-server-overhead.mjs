// What the running agent costs a Go HTTP service (bench/goserver: 50 sha256
// rounds, a sync.Mutex and a pwrite per request), untraced and traced rounds
// alternating:
//   saturated   wrk -t1 -c32: throughput and p99, traced/untraced
//   timer       the same under only the least a per-call latency histogram does
//               (bench/syscall-timer-probes.bpf.c): what any tracer that times
//               every syscall costs this server, whatever else it keeps
//   off-CPU timer  the same under a histogram of only the time calls spend off
//               the CPU (bench/syscall-offcpu-timer-probes.bpf.c)
//   fixed rate  half the untraced maximum, from bench/goload (latency counted
//               from each request's due time): p99 traced/untraced
//   added CPU   the agent's user+system time (launcher and its loader child,
//               /proc/PID/stat) plus its BPF programs' run time (bpf_stats),
//               per 100k syscalls/s of the server, counted by our own kernel
//               histogram filtered to the server's pid in a separate run
// The agent is the real one, `--target agent`, exporting to a local Kafka broker;
// each traced run starts a fresh agent and first loads the server unmeasured for
// the warm-up, under the run's own load (its start names the host's binaries
// once: not its steady cost).
// usage: node bench/http-server-overhead.mjs [rounds] [seconds-per-run] [rate-fraction] [warm-up-seconds]   (root)
//   rate-fraction: the fixed rate as a fraction of the untraced maximum (0.5); warm-up 12 s
//   (the agent's first two 5 s intervals name every stack of the host: ~1/3 of a core for 5 s)
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import { createLogger } from '@stallscope/common';
import { syscallArchOf } from '@stallscope/schemas';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { loaderOptionsOf } from '../bpf-agent/dist/src/signals.js';
import {
  buildGo,
  buildProbes,
  fixed,
  hasCommand,
  kafkaSkipReason,
  measureAgent,
  median,
  printTable,
  createProgress,
  requireRoot,
  run,
  startAgent,
  startGoServer,
  startKafkaBroker,
  startTracer,
  withBpfStats,
  wrkSaturated,
} from './lib/kit.mjs';

const NAME = 'http-server-overhead';
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 10);
const rateFraction = Number(process.argv[4] ?? 0.5);
const warmUpSeconds = Number(process.argv[5] ?? 12);

requireRoot(NAME);
const missing = [
  !hasCommand('go') && 'no Go toolchain to build the server and the load generator',
  !hasCommand('wrk') && 'wrk not installed (scripts/setup.sh --for-bench installs it)',
  kafkaSkipReason(),
].filter(Boolean);
if (missing.length > 0) {
  console.log(`${NAME}: skipped, ${missing.join('; ')}`);
  process.exit(0);
}

createProgress(NAME).update(0, 'building the Go server and load generator, starting a Kafka broker');
const loadBinary = buildGo('goload');
/** Bare probe sets run like the agent, each alone: key, label, object. */
const bareProbes = [
  { key: 'timer', label: 'timer only', ...buildProbes('syscall-timer-probes') },
  { key: 'offCpuTimer', label: 'off-CPU timer', ...buildProbes('syscall-offcpu-timer-probes') },
];
/** Every set-up of a round, in order; the bare probe sets between untraced and traced. */
const setups = [{ key: 'untraced', label: 'untraced' }, ...bareProbes, { key: 'traced', label: 'traced' }];
const runsBySetup = () => Object.fromEntries(setups.map(({ key }) => [key, []]));
const broker = await startKafkaBroker();
const server = await startGoServer();
const { url } = server;
const cleanups = [() => broker.stop(), async () => server.stop()];
const saturated = (duration = seconds) => wrkSaturated(url, duration);
async function atRate(rate, duration = seconds) {
  const { stdout } = await run(loadBinary, ['-url', url, '-rate', String(rate), '-duration', `${duration}s`]);
  return JSON.parse(stdout);
}

/**
 * fn() while the agent runs, with the agent's CPU seconds and memory over fn()
 * alone. First the warm-up: load(warmUpSeconds), the same load as fn()'s, so
 * the agent's handling of its last warm-up interval matches what it sees in
 * the measured run.
 */
async function traced(fn, load) {
  const agent = await startAgent(broker.brokers);
  try {
    if (warmUpSeconds > 0) await load(warmUpSeconds);
    return await measureAgent(agent, fn);
  } finally {
    await agent.stop();
  }
}

/** fn() while only these bare probes are attached. */
async function probed(probes, fn) {
  const tracer = await startTracer(probes.loader, [probes.object], { ready: /attached/ });
  try {
    return await fn();
  } finally {
    await tracer.stop();
  }
}

/**
 * The server's own syscalls/s at this rate: our loader alone (the agent's
 * options), its cumulative per-(tgid, syscall) counts summed for the server's
 * pid and compared between the first and the last snapshot of the run.
 */
async function serverSyscallsPerSecond(rate) {
  const snapshots = [];
  let pending = 0n;
  let helloSeen;
  const hello = new Promise((resolve) => (helloSeen = resolve));
  const loader = spawnLoader({
    loaderPath: defaultLoaderPath(),
    ...loaderOptionsOf({ ...agentConfigDefaults, intervalMs: 1000 }, syscallArchOf(process.arch), [{ name: 'syscalls' }]),
    logger: createLogger('warn'),
    onRecord(record) {
      if (record.type === 'hello') helloSeen();
      if (record.type === 'syscall-hist' && record.tgid === server.pid) pending += record.count;
      if (record.type === 'snapshot-end') {
        snapshots.push({ count: pending, atNs: record.monotonicNs });
        pending = 0n;
      }
    },
    onExit() {},
  });
  try {
    await hello;
    await atRate(rate);
  } finally {
    await loader.stop();
  }
  // The first and last snapshots may straddle the load's start and end: leave them out.
  const inside = snapshots.slice(1, -1);
  const first = inside[0];
  const last = inside.at(-1);
  return Number(last.count - first.count) / (Number(last.atNs - first.atNs) / 1e9);
}

try {
  const saturatedRuns = runsBySetup();
  const memory = [];
  // Saturated and fixed-rate rounds (each set-up in order), the bpf_stats run and the syscall count.
  const steps = createProgress(NAME, { total: rounds * setups.length * 2 + 2 });
  let step = 0;
  const progress = (note) => steps.update(++step, note);
  for (let round = 1; round <= rounds; round++) {
    saturatedRuns.untraced.push(await saturated());
    progress(`saturated round ${round}/${rounds} untraced ${fixed(saturatedRuns.untraced.at(-1).rps, 0)} req/s`);
    for (const probes of bareProbes) {
      saturatedRuns[probes.key].push(await probed(probes, saturated));
      progress(`saturated round ${round}/${rounds} ${probes.label} ${fixed(saturatedRuns[probes.key].at(-1).rps, 0)} req/s`);
    }
    const tracedRun = await traced(saturated, saturated);
    saturatedRuns.traced.push(tracedRun.result);
    memory.push(tracedRun.memory);
    progress(`saturated round ${round}/${rounds} traced ${fixed(tracedRun.result.rps, 0)} req/s`);
  }
  const maxRps = median(saturatedRuns.untraced.map((r) => r.rps));
  const rate = Math.round(maxRps * rateFraction);

  const rateRuns = runsBySetup();
  const agentCores = [];
  for (let round = 1; round <= rounds; round++) {
    rateRuns.untraced.push(await atRate(rate));
    progress(`${rate} req/s round ${round}/${rounds} untraced p99 ${rateRuns.untraced.at(-1).p99Ms} ms`);
    for (const probes of bareProbes) {
      rateRuns[probes.key].push(await probed(probes, () => atRate(rate)));
      progress(`${rate} req/s round ${round}/${rounds} ${probes.label} p99 ${rateRuns[probes.key].at(-1).p99Ms} ms`);
    }
    const tracedRun = await traced(() => atRate(rate), (duration) => atRate(rate, duration));
    rateRuns.traced.push(tracedRun.result);
    agentCores.push(tracedRun.agentCpuS / tracedRun.elapsedS);
    memory.push(tracedRun.memory);
    progress(`${rate} req/s round ${round}/${rounds} traced p99 ${tracedRun.result.p99Ms} ms`);
  }

  // bpf_stats adds its own clock reads to every program run: only in this extra run.
  progress(`${rate} req/s traced with kernel.bpf_stats_enabled=1`);
  const accounted = await withBpfStats(() => traced(() => atRate(rate), (duration) => atRate(rate, duration)));
  const bpfCores = accounted.programs.reduce((sum, program) => sum + program.runTimeNs, 0) / 1e9 / accounted.elapsedS;
  const hostSyscallsPerS = (accounted.programs.find((program) => program.name === 'handle_sys_exit')?.runs ?? NaN) / accounted.elapsedS;
  progress(`${rate} req/s counting the server's syscalls`);
  const serverSyscallsPerS = await serverSyscallsPerSecond(rate);
  steps.finish();

  const ratio = (a, b) => fixed(a / b, 3);
  const med = (runs, key) => median(runs.map((r) => r[key]));
  const labels = setups.map(({ label }) => label);
  const compared = setups.slice(1);
  console.log(`${NAME}: ${rounds} rounds x ${seconds} s each, ${labels.join(', ')} alternating; agent = --target agent on Kafka, ${warmUpSeconds} s of warm-up load before each traced run`);
  console.log(`\nsaturated: wrk -t1 -c32 -d${seconds}s`);
  /** One table's columns: a figure of each set-up's runs, then each compared set-up's median over untraced's. */
  const columnsOf = (runsOf) => ({
    each: (map) => setups.map(({ key }) => map(runsOf[key])),
    versus: (key) => compared.map((setup) => ratio(med(runsOf[setup.key], key), med(runsOf.untraced, key))),
    blank: compared.map(() => ''),
  });
  const headers = ['', ...labels, ...compared.map(({ label }) => `${label}/untraced`), 'target (traced)'];
  const saturatedColumns = columnsOf(saturatedRuns);
  printTable(headers, [
    ['req/s (median)', ...saturatedColumns.each((runs) => fixed(med(runs, 'rps'), 0)), ...saturatedColumns.versus('rps'), '>= 0.95'],
    ['p99 ms (median)', ...saturatedColumns.each((runs) => fixed(med(runs, 'p99Ms'), 2)), ...saturatedColumns.versus('p99Ms'), '-'],
    ['req/s runs', ...saturatedColumns.each((runs) => runs.map((r) => fixed(r.rps, 0)).join(', ')), ...saturatedColumns.blank, ''],
  ]);
  console.log(`\nfixed rate: ${rate} req/s (${rateFraction} x the untraced maximum), goload, latency from each request's due time`);
  const { each, versus, blank } = columnsOf(rateRuns);
  printTable(headers, [
    ['p99 ms (median)', ...each((runs) => fixed(med(runs, 'p99Ms'), 2)), ...versus('p99Ms'), '<= 1.05'],
    ['p50 ms (median)', ...each((runs) => fixed(med(runs, 'p50Ms'), 2)), ...versus('p50Ms'), '-'],
    ['p99 runs', ...each((runs) => runs.map((r) => r.p99Ms).join(', ')), ...blank, ''],
    ['errors', ...each((runs) => runs.reduce((sum, r) => sum + r.errors, 0)), ...blank, ''],
  ]);
  const agentCore = median(agentCores);
  const per100k = (cores) => (cores / serverSyscallsPerS) * 1e5 * 100;
  console.log(`\nadded CPU at ${rate} req/s: server ${fixed(serverSyscallsPerS, 0)} syscalls/s (our histogram, its pid), host ${fixed(hostSyscallsPerS, 0)} traced syscalls/s (handle_sys_exit runs)`);
  printTable(
    ['', '% of one core', '% of one core per 100k server syscalls/s'],
    [
      ['agent user+system (launcher + loader), median of traced rounds', fixed(agentCore * 100, 2), fixed(per100k(agentCore), 2)],
      ['BPF programs (bpf_stats run time)', fixed(bpfCores * 100, 2), fixed(per100k(bpfCores), 2)],
      ['total (target <= 2)', fixed((agentCore + bpfCores) * 100, 2), fixed(per100k(agentCore + bpfCores), 2)],
    ],
  );
  printTable(
    ['BPF program', 'runs/s', 'ns/run', '% of one core'],
    accounted.programs.map((p) => [p.name, fixed(p.runs / accounted.elapsedS, 0), fixed(p.nsPerRun), fixed((p.runTimeNs / 1e9 / accounted.elapsedS) * 100, 2)]),
  );
  console.log(`\nagent memory at the end of each traced run (--target agent): VmRSS max ${fixed(Math.max(...memory.map((m) => m.rssMb)), 0)} MB, VmHWM max ${fixed(Math.max(...memory.map((m) => m.hwmMb)), 0)} MB`);
} finally {
  for (const cleanup of cleanups) await cleanup();
}
