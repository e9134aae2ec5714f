// What the memory signal costs a traced process: a fault-heavy loop (mmap,
// touch every page, munmap) in CPU ns per fault (on a shared machine wall time
// is mostly other tenants), untraced and with the loader running only the
// memory signal, alternating within each round (baseline and subject in the
// same run; ratios, since machines are noisy). Then, with
// kernel.bpf_stats_enabled, each memory program's runs and ns per run under
// the fault loop and under a loop of 2M getppid calls. What the signal costs
// every other syscall of the host: the getppid loop in ns per call with the
// memory signal alone (its own program on raw sys_exit), and with the syscalls
// signal against the syscalls and memory signals together (the syscalls
// signal's program then counts mmap, munmap and brk for it: no second program).
// usage: node bench/memory-overhead.mjs [rounds] [fault-loop rounds]   (root)
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import { createLogger } from '@stallscope/common';
import { syscallArchOf } from '@stallscope/schemas';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { loaderOptionsOf } from '../bpf-agent/dist/src/signals.js';
import { bpfProgramDeltas, bpfProgramsOf, buildC, createProgress, fixed, median, printTable, requireRoot, run, withBpfStats } from './lib/kit.mjs';

const NAME = 'memory-overhead';
const rounds = Number(process.argv[2] ?? 7);
const faultRounds = Number(process.argv[3] ?? 1000);
const SYSCALLS = 2_000_000;

requireRoot(NAME);
const faultLoop = buildC('fault-loop.c', 'fault-loop');
const syscallLoop = buildC('syscall-loop.c', 'syscall-loop');
const workloads = {
  'fault loop (CPU ns/fault)': async () => Number((await run(faultLoop, [String(faultRounds), '256'])).stdout.trim()),
  'getppid loop (ns/syscall)': async () => Number((await run(syscallLoop, [String(SYSCALLS)])).stdout.trim()),
};

/** The loader as the agent starts it, with these signals. */
async function startSignals(names) {
  let helloSeen;
  const hello = new Promise((resolve) => (helloSeen = resolve));
  const exited = new Promise((resolve) => {
    const handle = spawnLoader({
      loaderPath: defaultLoaderPath(),
      ...loaderOptionsOf(agentConfigDefaults, syscallArchOf(process.arch), names.map((name) => ({ name }))),
      logger: createLogger('warn'),
      onRecord: (record) => record.type === 'hello' && helloSeen(handle),
      onExit: (code) => resolve(new Error(`stallscope-loader exited with ${code} before it was ready`)),
    });
  });
  const handle = await Promise.race([hello, exited.then((error) => Promise.reject(error))]);
  return { pid: handle.pid, stop: () => handle.stop() };
}

const startMemorySignal = () => startSignals(['memory']);
const subjects = {
  untraced: undefined,
  'memory signal': startMemorySignal,
  'syscalls signal': () => startSignals(['syscalls']),
  'syscalls + memory signals': () => startSignals(['syscalls', 'memory']),
};

const runs = {};
const timedRounds = createProgress(`${NAME}: timed runs`, { total: rounds * Object.keys(subjects).length });
for (let round = 1; round <= rounds; round++) {
  for (const [name, start] of Object.entries(subjects)) {
    const tracer = start ? await start() : undefined;
    try {
      for (const [workload, measure] of Object.entries(workloads)) {
        const value = await measure();
        (runs[`${workload}\0${name}`] ??= []).push(value);
        timedRounds.update((round - 1) * Object.keys(subjects).length + Object.keys(subjects).indexOf(name), `round ${round}/${rounds} ${name}: ${workload} ${fixed(value, 2)}`);
      }
    } finally {
      await tracer?.stop();
    }
  }
}
timedRounds.finish();

const attribution = [];
const statsWorkloads = {
  'fault loop': () => workloads['fault loop (CPU ns/fault)'](),
  [`${SYSCALLS} getppid calls`]: () => run(syscallLoop, [String(SYSCALLS)]),
};
await withBpfStats(async () => {
  for (const [workload, runWorkload] of Object.entries(statsWorkloads)) {
    const tracer = await startMemorySignal();
    try {
      const before = await bpfProgramsOf([tracer.pid]);
      await runWorkload();
      const after = await bpfProgramsOf([tracer.pid]);
      for (const program of bpfProgramDeltas(before, after)) attribution.push({ workload, ...program });
    } finally {
      await tracer.stop();
    }
  }
});

console.log(`${NAME}: ${rounds} rounds, subjects alternating within each round; fault loop ${faultRounds} x 256 pages`);
const rows = [];
const ratios = {};
for (const workload of Object.keys(workloads)) {
  const base = median(runs[`${workload}\0untraced`]);
  for (const name of Object.keys(subjects)) {
    const values = runs[`${workload}\0${name}`];
    if (!values) continue;
    const m = median(values);
    ratios[`${workload}\0${name}`] = m / base - 1;
    rows.push([workload, name, fixed(m, 2), name === 'untraced' ? '-' : `${fixed((m / base - 1) * 100, 2)}%`, values.map((v) => fixed(v, 2)).join(', ')]);
  }
}
printTable(['workload', 'subject', 'median', 'vs untraced', 'runs'], rows);
console.log('\nthe memory programs, kernel.bpf_stats_enabled=1 (host-wide: other processes\' faults and calls count too)');
printTable(
  ['workload', 'program', 'runs', 'ns/run'],
  attribution.map(({ workload, name, runs: count, nsPerRun }) => [workload, name, String(count), fixed(nsPerRun)]),
);
const faultCost = ratios['fault loop (CPU ns/fault)\0memory signal'];
const perFault = attribution.find((program) => program.workload === 'fault loop' && program.name === 'page_fault_user')?.nsPerRun ?? NaN;
console.log(`per fault: ${fixed(perFault)} ns in page_fault_user: a service faulting 10,000 pages a second pays ${fixed((perFault * 1e4) / 1e9 * 100, 3)}% of a CPU`);
const perCall = (name) => median(runs[`getppid loop (ns/syscall)\0${name}`]);
console.log(`every other syscall: the memory signal alone adds ${fixed(perCall('memory signal') - perCall('untraced'))} ns a getppid; ` +
  `beside the syscalls signal, ${fixed(perCall('syscalls + memory signals') - perCall('syscalls signal'))} ns`);
console.log(`target: the memory signal adds <= 20% to a loop doing nothing but fault (its worst case): ${fixed(faultCost * 100, 2)}%, ${faultCost <= 0.2 ? 'met' : 'MISSED'}`);
