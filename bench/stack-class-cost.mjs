// What classing a syscall by its user stack costs the kernel side, per call:
// bench/futex-loop (futex waits of 20-30 us from one stack) under the real
// loader, once with futex classed by its name only and once by its stack
// (its verdict told, as the agent does: the steady state, where each call
// walks the stack, hashes it, finds its id and its verdict), alternating
// within each round. Figures: handle_sys_exit's ns per run (bpf_stats; the
// host's other syscalls are a few percent of the runs) and the wait's own us,
// by name and by stack, and what the stack adds.
// usage: node bench/stack-class-cost.mjs [rounds=5] [waits=200000]   (root)
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLASSIFY_BY_STACK, kernelClassifyCode, stackVerdictClassKey, syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import { createLogger } from '@stallscope/common';
import { defaultLoaderPath } from '../bpf-agent/dist/src/loader/default-loader-path.js';
import { spawnLoader } from '../bpf-agent/dist/src/loader/loader-process.js';
import { loaderOptionsOf } from '../bpf-agent/dist/src/signals.js';
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import { bpfProgramDeltas, bpfProgramsOf, buildC, createProgress, fixed, median, printTable, requireRoot, withBpfStats } from './lib/kit.mjs';

const NAME = 'stack-class-cost';
requireRoot(NAME);
const rounds = Number(process.argv[2] ?? 5);
const waits = Number(process.argv[3] ?? 200_000);
const loop = buildC('futex-loop.c', 'futex-loop', ['-fno-omit-frame-pointer']);
const arch = syscallArchOf(process.arch);
const [futexNr] = syscallNumbers(arch, ['futex']);
const setUps = {
  'by name': kernelClassifyCode('futex') & ~CLASSIFY_BY_STACK,
  'by stack': kernelClassifyCode('futex'),
};
/** The verdict told for the loop's stack: a stack rule's class_key, as the agent tells one. */
const VERDICT = stackVerdictClassKey('lock', 0);

/** ns per handle_sys_exit run and us per wait, the loader started with futex's classify code. */
async function measure(code) {
  let started = false;
  const loader = spawnLoader({
    // The agent's own settings for the syscalls signal, futex's code aside.
    ...loaderOptionsOf(agentConfigDefaults, arch, [{ name: 'syscalls' }]),
    syscallClassifyCodes: new Map([[futexNr, code]]),
    intervalMs: 200, // the loop's stack is sent, and its verdict back, within the warm-up
    loaderPath: defaultLoaderPath(),
    logger: createLogger('warn'),
    onExit() {},
    onRecord: (record) => {
      if (record.type === 'hello') started = true;
      if (record.type === 'user-stack') loader.command('syscalls', `verdict ${record.stackId} ${VERDICT}`);
    },
  });
  try {
    while (!started) await sleep(20);
    execFileSync(loop, ['2000']);
    await sleep(1000); // the verdict of the loop's stack is in the kernel
    const before = await bpfProgramsOf([loader.pid]);
    const usPerWait = Number(execFileSync(loop, [String(waits)], { encoding: 'utf8' }));
    const exit = bpfProgramDeltas(before, await bpfProgramsOf([loader.pid])).find((program) => program.name === 'handle_sys_exit');
    return { nsPerRun: exit?.nsPerRun ?? NaN, usPerWait };
  } finally {
    await loader.stop();
  }
}

const results = Object.fromEntries(Object.keys(setUps).map((name) => [name, []]));
const progress = createProgress(`${NAME}: runs`, { total: rounds * Object.keys(setUps).length });
await withBpfStats(async () => {
  for (let round = 1; round <= rounds; round++) {
    for (const [name, code] of Object.entries(setUps)) {
      const result = await measure(code);
      results[name].push(result);
      progress.update(Object.values(results).flat().length, `round ${round}/${rounds} ${name} ${fixed(result.nsPerRun)} ns/run`);
    }
  }
});
progress.finish();

const medianOf = (name, key) => median(results[name].map((result) => result[key]));
const base = medianOf('by name', 'nsPerRun');
console.log(`${NAME}: ${rounds} rounds x ${waits} futex waits, set-ups alternating within each round`);
printTable(
  ['futex classed', 'handle_sys_exit ns/run (median)', 'added ns', 'vs by name', 'us per wait (median)', 'runs (ns/run)'],
  Object.keys(setUps).map((name) => [
    name,
    fixed(medianOf(name, 'nsPerRun')),
    name === 'by name' ? '-' : fixed(medianOf(name, 'nsPerRun') - base),
    fixed(medianOf(name, 'nsPerRun') / base, 2),
    fixed(medianOf(name, 'usPerWait'), 2),
    results[name].map((result) => fixed(result.nsPerRun)).join(', '),
  ]),
);
