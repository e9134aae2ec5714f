// Starts (real-kernel test): the stallscope-loader with the offcpu signal and
// - a C program sleeping in read(2) on a pipe inside a function of known name;
// - a C program sleeping briefly under 8,192 distinct stacks, eight times over
//   (the syscalls signal's test-fixtures/distinct-futex-stacks.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogAttr, OFFCPU_STACK_EVENT } from '@stallscope/schemas';
import type { LoaderRecord } from '../../src/loader/records.js';
import { offCpuStackCoverage } from './test-fixtures/stack-coverage.js';
import { SymbolizeBudget, Symbolizer, readKernelSymbols } from '../../src/symbols/index.js';
import { OffCpuStacks, offCpuStackLogRecords, type FoldedStackTime } from './offcpu-stacks.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const names = new Map([
  [0x10n, 'main'],
  [0x20n, 'handler'],
  [0x30n, 'read'],
  [0xf0n, '__schedule'],
  [0xf1n, 'schedule'],
  [0xf2n, 'pipe_read'],
  [0xb0n, 'bpf_prog_05b99cd879f9e8b0_handle_sched_switch'],
]);
const fakeSymbolizers = {
  kernel: (address: bigint) => names.get(address),
  user: (_pid: number, addresses: readonly bigint[]) => addresses.map((address) => names.get(address)),
};

test('folds user frames then kernel frames, root first, without the tracing frames; sums by service; keeps the heaviest', () => {
  const stacks = new OffCpuStacks(fakeSymbolizers, 1, new SymbolizeBudget(60_000));
  stacks.onStackTrace({ type: 'stack-trace', stackId: 1, ips: [0x30n, 0x20n, 0x10n] });
  stacks.onStackTrace({ type: 'stack-trace', stackId: 2, ips: [0xb0n, 0xf0n, 0xf1n, 0xf2n] });
  stacks.onStackTrace({ type: 'stack-trace', stackId: 3, ips: [0x99n] });
  const record = { type: 'offcpu-stack', state: 'sleep', kernelStack: 2, userStack: 1, count: 1n } as const;
  stacks.onOffCpuStack({ ...record, tgid: 10, offCpuNs: 3_000n });
  stacks.onOffCpuStack({ ...record, tgid: 11, offCpuNs: 4_000n, count: 16n });
  stacks.onOffCpuStack({ ...record, tgid: 10, kernelStack: 3, offCpuNs: 500n });
  const folded = stacks.endInterval((tgid) => (tgid < 20 ? 'api' : 'db'));
  assert.deepEqual(folded, [
    { serviceName: 'api', state: 'sleep', folded: 'main;handler;read;[k] pipe_read;[k] schedule;[k] __schedule', offCpuNs: 7_000, sleeps: 17 },
  ]);
  assert.deepEqual(stacks.endInterval(() => 'api'), [], 'counts are per interval');

  const [log] = offCpuStackLogRecords(folded, { hostName: 'h', time: [5, 0] });
  assert.equal(log!.eventName, OFFCPU_STACK_EVENT);
  assert.equal(log!.body, 'main;handler;read;[k] pipe_read;[k] schedule;[k] __schedule');
  assert.equal(log!.attributes[LogAttr.offCpuNs], 7_000);
});

test('an interval\'s stacks keep their names when the loader empties the stack map right after them, before the interval ends', () => {
  const stacks = new OffCpuStacks(fakeSymbolizers, 5, new SymbolizeBudget(60_000));
  stacks.onStackTrace({ type: 'stack-trace', stackId: 1, ips: [0x30n, 0x20n, 0x10n] });
  stacks.onStackTrace({ type: 'stack-trace', stackId: 2, ips: [0xf0n, 0xf1n, 0xf2n] });
  stacks.onOffCpuStack({ type: 'offcpu-stack', tgid: 10, state: 'sleep', kernelStack: 2, userStack: 1, offCpuNs: 50n, count: 1n });
  // The loader's order when a stack found its bucket taken: the interval's records, then the reset.
  stacks.onReset();
  assert.deepEqual(stacks.endInterval(() => 'api').map((stack) => stack.folded), [
    'main;handler;read;[k] pipe_read;[k] schedule;[k] __schedule',
  ]);
});

test('after a reset, stack ids no longer resolve to the old addresses', () => {
  const stacks = new OffCpuStacks(fakeSymbolizers, 5, new SymbolizeBudget(60_000));
  stacks.onStackTrace({ type: 'stack-trace', stackId: 1, ips: [0x10n] });
  stacks.onReset();
  stacks.onOffCpuStack({ type: 'offcpu-stack', tgid: 1, state: 'sleep', kernelStack: -1, userStack: 1, offCpuNs: 1n, count: 1n });
  assert.equal(stacks.endInterval(() => 'x')[0]!.folded, '[unknown user stack]');
});

const skipReason = loaderSkipReason();

/** Runs pipe-sleeper with `args` under the offcpu signal: its folded stacks and the time it measured in read(2). */
async function foldPipeSleeper(args: string[]): Promise<{ folded: FoldedStackTime[]; readNs: number }> {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-sleeper-')), 'pipe-sleeper');
  const source = join(import.meta.dirname, '..', '..', '..', 'signals', 'offcpu', 'test-fixtures', 'pipe-sleeper.c');
  execFileSync('cc', ['-O1', '-fno-omit-frame-pointer', '-pthread', '-o', exe, source]);
  const records: LoaderRecord[] = [];
  const loader = spawnTestLoader({
    signals: ['offcpu'],
    intervalMs: 250,
    onRecord: (record) => records.push(record),
  });
  const symbolizer = new Symbolizer({ maxFiles: 16 });
  const kernelSymbols = readKernelSymbols();
  const stacks = new OffCpuStacks(
    {
      kernel: (address) => kernelSymbols.lookup(address),
      user: (pid, addresses) => symbolizer.symbolize(pid, [...addresses]).map((frame) => frame.symbol),
    },
    10,
    new SymbolizeBudget(60_000),
  );
  try {
    await loader.hello;
    const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    // Fold while the process lives: its maps are needed to name user frames.
    const folded: FoldedStackTime[] = [];
    const drain = () => {
      for (const record of records.splice(0)) {
        if (record.type === 'stack-trace') stacks.onStackTrace(record);
        if (record.type === 'offcpu-stack' && record.tgid === child.pid) stacks.onOffCpuStack(record);
      }
      folded.push(...stacks.endInterval(() => 'sleeper'));
    };
    while (child.exitCode === null) {
      await sleep(100);
      drain();
    }
    // The last sleeps are in the interval after the exit: named from what was learnt while it lived.
    await sleep(600);
    drain();
    const { readNs } = JSON.parse(output) as { readNs: number };
    return { folded, readNs };
  } finally {
    await loader.stop();
  }
}

test('a thread sleeping on a pipe: its off-CPU stack names its function and the kernel pipe read', { skip: skipReason, timeout: 60_000 }, async (t) => {
  const { folded, readNs } = await foldPipeSleeper(['2000']);
  const pipeStacks = folded.filter((stack) => stack.folded.includes('wait_for_feed'));
  for (const stack of pipeStacks.slice(0, 3)) t.diagnostic(`${stack.offCpuNs} ns ${stack.folded}`);
  assert.ok(pipeStacks.length > 0, 'a folded stack through wait_for_feed');
  assert.ok(pipeStacks.every((stack) => /;\[k\] [a-z_]*pipe_read;.*\[k\] __schedule$/.test(stack.folded)), 'down to the kernel pipe read and __schedule, nothing of the tracer below');
  const sleptNs = pipeStacks.reduce((sum, stack) => sum + stack.offCpuNs, 0);
  t.diagnostic(`off-CPU under wait_for_feed ${sleptNs} ns; the program read for ${readNs} ns`);
  assert.ok(Math.abs(sleptNs / readNs - 1) <= 0.25, `off-CPU ${sleptNs} ns vs ${readNs} ns measured`);
});

test('long waits that each follow a short sleep are all counted with their stacks, not sampled 1 in N', { skip: skipReason, timeout: 60_000 }, async (t) => {
  // A 1 ms nap after each read: every ~49 ms wait on the pipe follows a short
  // sleep. Sampled 1 in 16, each sampled wait would count 16 times over, and
  // 40 waits would come out as 2 or 3 of them times 16: 20% or more off.
  const { folded, readNs } = await foldPipeSleeper(['2000', '1000']);
  const pipeStacks = folded.filter((stack) => stack.folded.includes('wait_for_feed') && /;\[k\] [a-z_]*pipe_read;/.test(stack.folded));
  for (const stack of pipeStacks.slice(0, 3)) t.diagnostic(`${stack.offCpuNs} ns over ${stack.sleeps} sleeps: ${stack.folded}`);
  const pipeNs = pipeStacks.reduce((sum, stack) => sum + stack.offCpuNs, 0);
  t.diagnostic(`off-CPU in the pipe read under wait_for_feed ${pipeNs} ns; the program read for ${readNs} ns`);
  assert.ok(Math.abs(pipeNs / readNs - 1) <= 0.1, `off-CPU in the pipe read ${pipeNs} ns within 10% of the ${readNs} ns measured`);
});

test('8,192 distinct stacks sleeping over and over: a stack whose bucket another holds gets its frames from the second stack map', { skip: skipReason, timeout: 120_000 }, async (t) => {
  const STACKS = 8192;
  // With one stack map, 40-229 stacks were never seen: each always slept just
  // after the rival of its bucket. With two, 0-12 in 15 runs here: stacks of
  // a bucket two others hold, and sleeps while the loader empties the maps.
  const NEVER_SEEN_AT_MOST = 32;
  const PASSES = 8;
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-offcpu-stacks-')), 'distinct-futex-stacks');
  execFileSync('cc', ['-O0', '-fno-omit-frame-pointer', '-o', exe, join(import.meta.dirname, '..', '..', '..', 'signals', 'syscalls', 'test-fixtures', 'distinct-futex-stacks.c')]);
  const records: LoaderRecord[] = [];
  // Every sleep gets its stacks: in 1-in-N sampling a stack could be missed for want of a sample.
  const loader = spawnTestLoader({ signals: ['offcpu'], intervalMs: 250, offCpuStackSampleEvery: 1, onRecord: (record) => records.push(record) });
  try {
    await loader.hello;
    const child = spawn(exe, [String(PASSES)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    await sleep(600);
    const { seen, withoutUserStack, resets } = offCpuStackCoverage(records, child.pid);
    t.diagnostic(`${seen} distinct user stacks of ${STACKS}; ${withoutUserStack} stack records without one; ${resets} stack map resets`);
    assert.ok(seen >= STACKS - NEVER_SEEN_AT_MOST, `${seen} of the ${STACKS} distinct stacks were seen with their frames over ${PASSES} passes`);
  } finally {
    await loader.stop();
  }
});
