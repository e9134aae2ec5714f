// What the CPU profile signal costs: a CPU-bound loop's CPU time per 1000
// iterations untraced and with the loader running only the profile signal at
// its default 19 Hz and at 997 Hz (for scale), alternating within each round
// (baseline and subjects in the same run; ratios, since machines are noisy).
// Then, with kernel.bpf_stats_enabled, the sampling program's ns per run and
// the share of all CPUs it takes at each rate.
// usage: node bench/profile-overhead.mjs [rounds] [iterations-per-run]   (root)
import { availableParallelism } from 'node:os';
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import { createLogger } from '@stallscope/common';
import { syscallArchOf } from '@stallscope/schemas';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { loaderOptionsOf } from '../bpf-agent/dist/src/signals.js';
import { bpfProgramDeltas, bpfProgramsOf, buildC, createProgress, fixed, median, printTable, requireRoot, run, withBpfStats } from './lib/kit.mjs';

const NAME = 'profile-overhead';
const rounds = Number(process.argv[2] ?? 5);
const iterations = Number(process.argv[3] ?? 500_000_000);
const ATTRIBUTION_SECONDS = 10;

requireRoot(NAME);
const loop = buildC('cpu-loop.c', 'cpu-loop');
const nsPerThousand = async () => Number((await run(loop, [String(iterations)])).stdout.trim());

/** The loader as the agent starts it, with the profile signal alone at `sampleHz`. */
async function startProfiler(sampleHz) {
  const config = { ...agentConfigDefaults, profileSampleHz: sampleHz };
  let helloSeen;
  const hello = new Promise((resolve) => (helloSeen = resolve));
  const exited = new Promise((resolve) => {
    const handle = spawnLoader({
      loaderPath: defaultLoaderPath(),
      ...loaderOptionsOf(config, syscallArchOf(process.arch), [{ name: 'profile' }]),
      logger: createLogger('warn'),
      onRecord: (record) => record.type === 'hello' && helloSeen(handle),
      onExit: (code) => resolve(new Error(`stallscope-loader exited with ${code} before it was ready`)),
    });
  });
  const handle = await Promise.race([hello, exited.then((error) => Promise.reject(error))]);
  return { pid: handle.pid, stop: () => handle.stop() };
}

const subjects = { untraced: undefined, 'profile 19 Hz': () => startProfiler(19), 'profile 997 Hz': () => startProfiler(997) };

async function timed(start) {
  if (!start) return nsPerThousand();
  const profiler = await start();
  try {
    return await nsPerThousand();
  } finally {
    await profiler.stop();
  }
}

const runs = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
const timedRuns = createProgress(`${NAME}: timed runs`, { total: rounds * Object.keys(subjects).length });
let runsDone = 0;
for (let round = 1; round <= rounds; round++) {
  for (const [name, start] of Object.entries(subjects)) {
    const ns = await timed(start);
    runs[name].push(ns);
    timedRuns.update(++runsDone, `round ${round}/${rounds} ${name} ${fixed(ns, 3)} CPU ns per 1000 iterations`);
  }
}
timedRuns.finish();

// Attribution apart from the timed rounds (bpf_stats adds clock reads to every run): every CPU samples, busy or idle.
const attribution = [];
const sampled = Object.entries(subjects).filter(([, start]) => start);
const statsRuns = createProgress(`${NAME}: bpf_stats runs`, { total: sampled.length });
await withBpfStats(async () => {
  for (const [index, [name, start]] of sampled.entries()) {
    statsRuns.update(index, `${name}, ${ATTRIBUTION_SECONDS} s`);
    const profiler = await start();
    try {
      const before = await bpfProgramsOf([profiler.pid]);
      await new Promise((resolve) => setTimeout(resolve, ATTRIBUTION_SECONDS * 1000));
      const after = await bpfProgramsOf([profiler.pid]);
      for (const program of bpfProgramDeltas(before, after)) attribution.push({ subject: name, ...program });
    } finally {
      await profiler.stop();
    }
  }
});
statsRuns.finish();

const medians = Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, median(values)]));
console.log(`${NAME}: ${rounds} rounds x ${iterations} loop iterations, subjects alternating within each round`);
printTable(
  ['subject', 'median CPU ns/1000 iterations', 'vs untraced', 'runs (CPU ns/1000 iterations)'],
  Object.keys(runs).map((name) => [
    name,
    fixed(medians[name], 3),
    name === 'untraced' ? '-' : `${fixed((medians[name] / medians.untraced - 1) * 100, 2)}%`,
    runs[name].map((ns) => fixed(ns, 3)).join(', '),
  ]),
);
const cpus = availableParallelism();
console.log(`\nthe sampling program, kernel.bpf_stats_enabled=1 (${ATTRIBUTION_SECONDS} s each, ${cpus} CPUs; time inside the program, without the interrupt around it)`);
printTable(
  ['subject', 'program', 'runs/s', 'ns/run', 'share of all CPUs'],
  attribution.map(({ subject, name, runs: count, nsPerRun, runTimeNs }) => [
    subject,
    name,
    fixed(count / ATTRIBUTION_SECONDS),
    fixed(nsPerRun),
    `${fixed((runTimeNs / (ATTRIBUTION_SECONDS * 1e9 * cpus)) * 100, 4)}%`,
  ]),
);
const added19 = medians['profile 19 Hz'] / medians.untraced - 1;
console.log(`target: profile at 19 Hz adds <= 1% to a CPU-bound loop: ${fixed(added19 * 100, 2)}%, ${added19 <= 0.01 ? 'met' : 'MISSED'}`);
