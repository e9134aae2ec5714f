// Off-CPU stacks of a program with many distinct stacks: what share of them
// the agent gets with their frames, and what the sched_switch program costs
// per run. The program (the syscalls suite's distinct-futex-stacks fixture)
// sleeps 100 us in each of 8,192 distinct user stacks, PASSES times over,
// under the real loader with the offcpu signal alone and a stack at every
// sleep (offCpuStackSampleEvery 1, so coverage is down to the stack maps, not
// to sampling). With --against REV, the loader built at REV (its bpf-agent and
// schemas from git) runs too, in turn with this tree's, and is the baseline.
// Figures per loader, medians of the rounds: distinct stacks seen with their
// frames, stack records without a user stack, stack map resets, and the
// sched_switch program's ns per run (bpf_stats), with its ratio to the baseline.
// usage: node bench/offcpu-stacks.mjs [rounds=3] [passes=8] [--against REV]   (root)
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@stallscope/common';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { loaderOptionsOf } from '../bpf-agent/dist/src/signals.js';
import { offCpuStackCoverage } from '../bpf-agent/dist/signals/offcpu/test-fixtures/stack-coverage.js';
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import { syscallArchOf } from '@stallscope/schemas';
import { bpfProgramDeltas, bpfProgramsOf, createProgress, fixed, median, printTable, repoRoot, requireRoot, withBpfStats } from './lib/kit.mjs';

const NAME = 'offcpu-stacks';
requireRoot(NAME);
const args = process.argv.slice(2);
const against = args.includes('--against') ? args[args.indexOf('--against') + 1] : undefined;
const positional = args.filter((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--against');
const rounds = Number(positional[0] ?? 3);
const passes = Number(positional[1] ?? 8);
const STACKS = 8192;

const work = mkdtempSync(join(tmpdir(), 'stallscope-bench-offcpu-stacks-'));
const fixture = join(work, 'distinct-futex-stacks');
execFileSync('cc', ['-O0', '-fno-omit-frame-pointer', '-o', fixture, join(repoRoot, 'bpf-agent', 'signals', 'syscalls', 'test-fixtures', 'distinct-futex-stacks.c')]);

/** The loader built from REV's bpf-agent and schemas, in the bench's temporary directory. */
function loaderAt(rev) {
  const tree = join(work, 'at-rev');
  execFileSync('bash', ['-c', `mkdir -p '${tree}' && git -C '${repoRoot}' archive '${rev}' bpf-agent schemas | tar -x -C '${tree}'`]);
  execFileSync('make', ['-s', '-C', join(tree, 'bpf-agent')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(tree, 'bpf-agent', 'build', 'stallscope-loader');
}

/** One run of the fixture under the loader at `loaderPath`. */
async function measure(loaderPath) {
  let started = false;
  const records = [];
  const loader = spawnLoader({
    ...loaderOptionsOf(agentConfigDefaults, syscallArchOf(process.arch), [{ name: 'offcpu' }]),
    offCpuStackSampleEvery: 1,
    intervalMs: 250,
    loaderPath,
    logger: createLogger('warn'),
    onExit() {},
    onRecord: (record) => {
      if (record.type === 'hello') started = true;
      records.push(record);
    },
  });
  try {
    while (!started) await sleep(20);
    const before = await bpfProgramsOf([loader.pid]);
    const child = spawn(fixture, [String(passes)], { stdio: ['ignore', 'ignore', 'inherit'] });
    await once(child, 'exit');
    const deltas = bpfProgramDeltas(before, await bpfProgramsOf([loader.pid]));
    await sleep(600); // the last interval's records
    // bpftool names a program by the first 15 characters of its function.
    const onSwitch = deltas.find((program) => 'handle_sched_switch'.startsWith(program.name));
    return { ...offCpuStackCoverage(records, child.pid), nsPerSwitch: onSwitch?.nsPerRun ?? NaN };
  } finally {
    await loader.stop();
  }
}

const loaders = [...(against ? [[`at ${against}`, loaderAt(against)]] : []), ['this tree', defaultLoaderPath()]];
const results = new Map(loaders.map(([name]) => [name, []]));
const progress = createProgress(`${NAME}: runs`, { total: rounds * loaders.length });
let done = 0;
try {
  await withBpfStats(async () => {
    for (let round = 0; round < rounds; round++) {
      // Each round in the other order: neither loader always runs on a warmer machine.
      for (const [name, path] of round % 2 === 0 ? loaders : [...loaders].reverse()) {
        const result = await measure(path);
        results.get(name).push(result);
        progress.update(++done, `round ${round + 1}/${rounds} ${name}: ${result.seen} stacks seen`);
      }
    }
  });
  progress.finish();
} finally {
  rmSync(work, { recursive: true, force: true });
}

const baseline = median(results.get(loaders[0][0]).map((result) => result.nsPerSwitch));
console.log(`\n${NAME}: ${STACKS} distinct user stacks, ${passes} passes, a stack at every sleep; medians of ${rounds} rounds`);
printTable(
  ['loader', 'stacks seen with frames', 'share', 'records without a user stack', 'stack map resets', 'sched_switch ns/run', `vs ${loaders[0][0]}`],
  loaders.map(([name]) => {
    const runs = results.get(name);
    const seen = median(runs.map((result) => result.seen));
    const ns = median(runs.map((result) => result.nsPerSwitch));
    return [
      name,
      `${seen} (${runs.map((result) => result.seen).join(', ')})`,
      `${fixed((100 * seen) / STACKS, 1)}%`,
      String(median(runs.map((result) => result.withoutUserStack))),
      String(median(runs.map((result) => result.resets))),
      fixed(ns, 0),
      fixed(ns / baseline, 2),
    ];
  }),
);
