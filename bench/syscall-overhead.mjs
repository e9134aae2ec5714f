// What raw_syscalls tracing costs a traced process: ns per syscall for a tight
// getppid loop, untraced and under eight tracers, alternating within each round
// (baseline and subjects in the same run; ratios, since machines are noisy):
//   floor      two tp_btf programs on sys_enter/sys_exit that return at once
//   sys_exit floor  one empty program on sys_exit (bench/empty-sys-exit-probe.bpf.c):
//              the least any tracer that sees every call adds
//   clock      the same two reading the monotonic clock, as timing a call must
//              (bench/syscall-clock-probes.bpf.c), and nothing else
//   timer      the least a per-call latency histogram does (bench/syscall-timer-probes.bpf.c)
//   off-CPU timer  a per-call histogram of only the time calls spend off the
//              CPU (bench/syscall-offcpu-timer-probes.bpf.c): sched_switch and
//              sys_exit, no sys_enter program, no clock read on a call that stays
//   stallscope the loader with every default signal and the agent's own options
//              (off-CPU timing, the default on x86-64)
//   stallscope every-call  the same with agent.syscallTiming every-call
//   bpftrace   a per-(pid, syscall) latency histogram, the manual way
// Then, with kernel.bpf_stats_enabled, the ns each program spends per run.
// usage: node bench/syscall-overhead.mjs [rounds] [calls-per-run]   (root)
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import { createLogger } from '@stallscope/common';
import { syscallArchOf } from '@stallscope/schemas';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { loaderOptionsOf } from '../bpf-agent/dist/src/signals.js';
import {
  bpfProgramDeltas,
  bpfProgramsOf,
  buildC,
  buildProbes,
  fixed,
  hasCommand,
  median,
  printTable,
  createProgress,
  requireRoot,
  run,
  startTracer,
  withBpfStats,
} from './lib/kit.mjs';

const NAME = 'syscall-overhead';
const rounds = Number(process.argv[2] ?? 5);
const calls = Number(process.argv[3] ?? 2_000_000);
const BPFTRACE_SCRIPT =
  'tracepoint:raw_syscalls:sys_enter { @s[tid] = nsecs; } ' +
  'tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @h[pid, args->id] = hist(nsecs - @s[tid]); delete(@s[tid]); }';

requireRoot(NAME);
const loop = buildC('syscall-loop.c', 'syscall-loop');
const emptyProbes = buildProbes('empty-syscall-probes');
const emptyExitProbe = buildProbes('empty-sys-exit-probe');
const clockProbes = buildProbes('syscall-clock-probes');
const timerProbes = buildProbes('syscall-timer-probes');
const offCpuTimerProbes = buildProbes('syscall-offcpu-timer-probes');
const nsPerCall = async () => Number((await run(loop, [String(calls)])).stdout.trim());

/** The loader as the agent starts it: every default signal, the agent's own options (syscall classes included), and these changes to them. */
async function startStallscope(changes = {}) {
  const signals = Object.entries(agentConfigDefaults.signals).filter(([, on]) => on).map(([name]) => ({ name }));
  let helloSeen;
  const hello = new Promise((resolve) => (helloSeen = resolve));
  const exited = new Promise((resolve) => {
    const handle = spawnLoader({
      loaderPath: defaultLoaderPath(),
      ...loaderOptionsOf({ ...agentConfigDefaults, ...changes }, syscallArchOf(process.arch), signals),
      logger: createLogger('warn'),
      onRecord: (record) => record.type === 'hello' && helloSeen(handle),
      onExit: (code) => resolve(new Error(`stallscope-loader exited with ${code} before it was ready`)),
    });
  });
  const handle = await Promise.race([hello, exited.then((error) => Promise.reject(error))]);
  return { pid: handle.pid, stop: () => handle.stop() };
}

const tracers = {
  untraced: undefined,
  floor: () => startTracer(emptyProbes.loader, [emptyProbes.object], { ready: /attached/ }),
  'sys_exit floor': () => startTracer(emptyExitProbe.loader, [emptyExitProbe.object], { ready: /attached/ }),
  clock: () => startTracer(clockProbes.loader, [clockProbes.object], { ready: /attached/ }),
  timer: () => startTracer(timerProbes.loader, [timerProbes.object], { ready: /attached/ }),
  'off-CPU timer': () => startTracer(offCpuTimerProbes.loader, [offCpuTimerProbes.object], { ready: /attached/ }),
  stallscope: () => startStallscope(),
  'stallscope every-call': () => startStallscope({ syscallTiming: 'every-call' }),
  // bpftrace says "Attaching N probes..." just before it attaches; the pause covers the attach.
  bpftrace: () => startTracer('bpftrace', ['-e', BPFTRACE_SCRIPT], { ready: /Attaching/, stopSignal: 'SIGINT', settleMs: 1500 }),
};
const skipped = new Map();
if (!hasCommand('bpftrace')) {
  skipped.set('bpftrace', 'bpftrace not installed (scripts/setup.sh --for-bench installs it)');
  delete tracers.bpftrace;
}

async function timed(start) {
  if (!start) return nsPerCall();
  const tracer = await start();
  try {
    return await nsPerCall();
  } finally {
    await tracer.stop();
  }
}

const runs = Object.fromEntries(Object.keys(tracers).map((name) => [name, []]));
const timedRounds = createProgress(`${NAME}: timed runs`, { total: rounds * Object.keys(tracers).length });
for (let round = 1; round <= rounds; round++) {
  for (const [name, start] of Object.entries(tracers)) {
    const ns = await timed(start);
    runs[name].push(ns);
    timedRounds.update(Object.values(runs).flat().length, `round ${round}/${rounds} ${name} ${fixed(ns)} ns/syscall`);
  }
}
timedRounds.finish();

// Attribution, apart from the timed rounds: bpf_stats adds its own clock reads to every run.
const perProgram = [];
const statsTracers = ['floor', 'sys_exit floor', 'clock', 'timer', 'off-CPU timer', 'stallscope', 'stallscope every-call', 'bpftrace'].filter((name) => tracers[name]);
const statsRuns = createProgress(`${NAME}: bpf_stats runs`, { total: statsTracers.length });
await withBpfStats(async () => {
  for (const [index, name] of statsTracers.entries()) {
    statsRuns.update(index, name);
    const tracer = await tracers[name]();
    try {
      const before = await bpfProgramsOf([tracer.pid]);
      await nsPerCall();
      const after = await bpfProgramsOf([tracer.pid]);
      for (const program of bpfProgramDeltas(before, after)) perProgram.push({ tracer: name, ...program });
    } finally {
      await tracer.stop();
    }
  }
});
statsRuns.finish();

const medians = Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, median(values)]));
const added = (name) => medians[name] - medians.untraced;
console.log(`${NAME}: ${rounds} rounds x ${calls} getppid calls, tracers alternating within each round`);
printTable(
  ['tracer', 'median ns/syscall', 'added ns', 'added / floor added', 'runs (ns/syscall)'],
  Object.keys(runs).map((name) => [
    name,
    fixed(medians[name]),
    name === 'untraced' ? '-' : fixed(added(name)),
    name === 'untraced' || !runs.floor ? '-' : fixed(added(name) / added('floor'), 2),
    runs[name].map((ns) => fixed(ns)).join(', '),
  ]),
);
for (const [name, reason] of skipped) console.log(`  ${name}: skipped, ${reason}`);

const verdict = (ok) => (ok ? 'met' : 'MISSED');
const floorRatio = added('stallscope') / added('floor');
console.log(`target: stallscope added <= 1.5x floor added: ${fixed(floorRatio, 2)}x, ${verdict(floorRatio <= 1.5)}`);
// Any tracer that keeps per-call latency histograms pays at least the timer's cost, and the timer at least the clock's.
console.log(`  two clock reads alone: ${fixed(added('clock') / added('floor'), 2)}x the floor added (${fixed(added('clock') - added('floor'))} ns above it)`);
console.log(`  the timer alone (no key, no class): ${fixed(added('timer') / added('floor'), 2)}x the floor added; stallscope every-call above it: ${fixed(added('stallscope every-call') - added('timer'))} ns`);
console.log(`  timing only the time off the CPU (no key, no class): ${fixed(added('off-CPU timer') / added('floor'), 2)}x the floor added; stallscope above it: ${fixed(added('stallscope') - added('off-CPU timer'))} ns`);
console.log(`  stallscope with agent.syscallTiming every-call: ${fixed(added('stallscope every-call') / added('floor'), 2)}x the floor added, ${verdict(added('stallscope every-call') / added('floor') <= 1.5)}`);
if (runs.bpftrace) {
  const bpftraceRatio = added('stallscope') / added('bpftrace');
  console.log(`target: stallscope added <= 1/3 of bpftrace added: ${fixed(bpftraceRatio, 2)}, ${verdict(bpftraceRatio <= 1 / 3)}`);
  const everyCallRatio = added('stallscope every-call') / added('bpftrace');
  console.log(`  with agent.syscallTiming every-call: ${fixed(everyCallRatio, 2)}, ${verdict(everyCallRatio <= 1 / 3)}`);
}

console.log('\nper program, kernel.bpf_stats_enabled=1 (one run each; time inside the program, without the hook dispatch)');
printTable(
  ['tracer', 'program', 'runs', 'ns/run'],
  perProgram.map(({ tracer, name, runs: count, nsPerRun }) => [tracer, name, count, fixed(nsPerRun)]),
);
