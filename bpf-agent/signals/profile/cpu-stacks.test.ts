// Starts (real-kernel test): the stallscope-loader with the profile signal at
// 997 Hz and a C program burning CPU 3:1 in two functions of known names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CPU_STACK_EVENT, CpuStackLogAttr } from '@stallscope/schemas';
import type { LoaderRecord } from '../../src/loader/records.js';
import { SymbolizeBudget, Symbolizer, readKernelSymbols } from '../../src/symbols/index.js';
import { CpuStacks, OTHER_STACKS, cpuStackLogRecords, type FoldedCpuStack } from './cpu-stacks.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const names = new Map([
  [0x10n, 'main'],
  [0x20n, 'handler'],
  [0x30n, 'spin'],
  [0xf0n, 'ksys_read'],
  [0xf1n, 'entry_SYSCALL_64'],
]);
const fakeSymbolizers = {
  kernel: (address: bigint) => names.get(address),
  user: (_pid: number, addresses: readonly bigint[]) => addresses.map((address) => names.get(address)),
};

test('folds user then kernel frames root first, sums samples by service and stack, and converts samples to CPU time', () => {
  const stacks = new CpuStacks(fakeSymbolizers, { maxStacksPerService: 10, sampleHz: 20, budget: new SymbolizeBudget(60_000) });
  stacks.onStackTrace(1, [0x30n, 0x20n, 0x10n]);
  stacks.onStackTrace(2, [0xf0n, 0xf1n]);
  stacks.onStackTrace(3, [0x99n, 0x10n]);
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 10, kernelStack: -14, userStack: 1, samples: 7n });
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 11, kernelStack: -14, userStack: 1, samples: 3n });
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 10, kernelStack: 2, userStack: 3, samples: 2n });
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 30, kernelStack: 2, userStack: -14, samples: 1n });
  const folded = stacks.endInterval((tgid) => (tgid < 20 ? 'api' : 'db'));
  assert.deepEqual(folded, [
    { serviceName: 'api', folded: 'main;handler;spin', samples: 10, cpuNs: 500_000_000 },
    { serviceName: 'api', folded: 'main;0x99;[k] entry_SYSCALL_64;[k] ksys_read', samples: 2, cpuNs: 100_000_000 },
    { serviceName: 'db', folded: '[k] entry_SYSCALL_64;[k] ksys_read', samples: 1, cpuNs: 50_000_000 },
  ]);
  assert.deepEqual(stacks.endInterval(() => 'api'), [], 'counts are per interval');

  const [log] = cpuStackLogRecords(folded, { hostName: 'h', time: [5, 0] });
  assert.equal(log!.eventName, CPU_STACK_EVENT);
  assert.equal(log!.body, 'main;handler;spin');
  assert.equal(log!.attributes[CpuStackLogAttr.samples], 10);
  assert.equal(log!.attributes[CpuStackLogAttr.cpuNs], 500_000_000);
});

test("past the per-service bound, the rarest stacks are summed into one line: the service's total stays whole", () => {
  const stacks = new CpuStacks(fakeSymbolizers, { maxStacksPerService: 1, sampleHz: 10, budget: new SymbolizeBudget(60_000) });
  stacks.onStackTrace(1, [0x30n]);
  stacks.onStackTrace(2, [0x20n]);
  stacks.onStackTrace(3, [0x10n]);
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 1, kernelStack: -1, userStack: 1, samples: 5n });
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 1, kernelStack: -1, userStack: 2, samples: 2n });
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 1, kernelStack: -1, userStack: 3, samples: 1n });
  assert.deepEqual(
    stacks.endInterval(() => 'x').map((stack) => [stack.folded, stack.samples]),
    [['spin', 5], [OTHER_STACKS, 3]],
  );
});

test('after a reset, stack ids no longer resolve to the old addresses', () => {
  const stacks = new CpuStacks(fakeSymbolizers, { maxStacksPerService: 5, sampleHz: 19, budget: new SymbolizeBudget(60_000) });
  stacks.onStackTrace(1, [0x10n]);
  stacks.onReset();
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 1, kernelStack: -1, userStack: 1, samples: 1n });
  assert.equal(stacks.endInterval(() => 'x')[0]!.folded, '[unknown user stack]');
});

const skipReason = loaderSkipReason();
const SAMPLE_HZ = 997;

test('a program burning CPU about 3:1 in two functions: its sampled stacks name both, in the ratio of the CPU time each took', { skip: skipReason, timeout: 90_000 }, async (t) => {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-burner-')), 'cpu-burner');
  const source = join(import.meta.dirname, '..', '..', '..', 'signals', 'profile', 'test-fixtures', 'cpu-burner.c');
  // -O0: a frame pointer in the leaf functions too (gcc drops it from optimized leaves whatever the flags), and the kernel walks user stacks by them.
  execFileSync('cc', ['-O0', '-fno-omit-frame-pointer', '-o', exe, source]);
  const records: LoaderRecord[] = [];
  const loader = spawnTestLoader({
    signals: ['profile'],
    intervalMs: 250,
    profileSampleHz: SAMPLE_HZ,
    onRecord: (record) => records.push(record),
  });
  const symbolizer = new Symbolizer({ maxFiles: 16 });
  const kernelSymbols = readKernelSymbols();
  const stacks = new CpuStacks(
    {
      kernel: (address) => kernelSymbols.lookup(address),
      user: (pid, addresses) => symbolizer.symbolize(pid, [...addresses]).map((frame) => frame.symbol),
    },
    { maxStacksPerService: 100, sampleHz: SAMPLE_HZ, budget: new SymbolizeBudget(60_000) },
  );
  try {
    await loader.hello;
    const startedMs = Date.now();
    const child = spawn(exe, ['10000'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    const folded: FoldedCpuStack[] = [];
    const drain = () => {
      for (const record of records.splice(0)) {
        if (record.type === 'cpu-stack-trace') stacks.onStackTrace(record.stackId, record.ips);
        if (record.type === 'cpu-stacks-reset') stacks.onReset();
        if (record.type === 'cpu-stack' && record.tgid === child.pid) stacks.onCpuStack(record);
      }
      folded.push(...stacks.endInterval(() => 'burner'));
    };
    while (child.exitCode === null) {
      await sleep(100);
      drain();
    }
    const ranMs = Date.now() - startedMs;
    await sleep(600);
    drain();
    const samplesUnder = (name: string) => folded.filter((stack) => stack.folded.split(';').includes(name)).reduce((sum, stack) => sum + stack.samples, 0);
    const heavy = samplesUnder('burn_heavy');
    const light = samplesUnder('burn_light');
    const total = folded.reduce((sum, stack) => sum + stack.samples, 0);
    for (const stack of folded.slice(0, 3)) t.diagnostic(`${stack.samples} ${stack.folded}`);
    const measured = JSON.parse(output) as { heavyCpuNs: number; lightCpuNs: number };
    const measuredRatio = measured.heavyCpuNs / measured.lightCpuNs;
    t.diagnostic(`burn_heavy ${heavy}, burn_light ${light}, all ${total} samples in ${ranMs} ms at ${SAMPLE_HZ} Hz; the program's own CPU times are ${measuredRatio.toFixed(3)}:1`);
    assert.ok(folded.some((stack) => /(^|;)main;burn_heavy$/.test(stack.folded)), 'root first: main calls burn_heavy, the leaf');
    // The reference is the CPU time the program's thread was charged, not the 3:1 of its work: on a
    // loaded VM a unit of work costs more CPU time in one phase than in another (3.45:1 seen in CI).
    assert.ok(Math.abs(heavy / light / measuredRatio - 1) <= 0.15, `burn_heavy:burn_light = ${heavy}:${light}, within 15% of the CPU times the program measured (${measuredRatio.toFixed(3)}:1)`);
    assert.ok(heavy / light >= 2, `burn_heavy:burn_light = ${heavy}:${light}: the function doing three times the work has at least twice the samples`);
    // One thread: at most SAMPLE_HZ samples a second (fewer when other work takes its CPU).
    assert.ok(total > 0 && total <= 1.1 * SAMPLE_HZ * (ranMs / 1000), `${total} samples in ${ranMs} ms`);
  } finally {
    await loader.stop();
  }
});

test('when names run short (over the naming budget), the most sampled stacks are named first', () => {
  let namesLeft = 1;
  const oneName = {
    kernel: fakeSymbolizers.kernel,
    user: (pid: number, addresses: readonly bigint[]) => (namesLeft-- > 0 ? fakeSymbolizers.user(pid, addresses) : addresses.map(() => undefined)),
  };
  const stacks = new CpuStacks(oneName, { maxStacksPerService: 10, sampleHz: 19, budget: new SymbolizeBudget(60_000) });
  stacks.onStackTrace(1, [0x10n]);
  stacks.onStackTrace(2, [0x20n]);
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 1, kernelStack: -1, userStack: 1, samples: 2n });
  stacks.onCpuStack({ type: 'cpu-stack', tgid: 1, kernelStack: -1, userStack: 2, samples: 9n });
  assert.deepEqual(
    stacks.endInterval(() => 'x').map((stack) => stack.folded),
    ['handler', '0x10'],
  );
});
