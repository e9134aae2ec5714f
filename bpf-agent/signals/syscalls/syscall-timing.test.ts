// Starts (real-kernel tests): the stallscope-loader under each syscall timing,
// and a small C program whose waits have known lengths
// (test-fixtures/off-cpu-waits.c). Sleeps, a blocking pipe read and fsync must
// come out as the program measured them, with their class, whether every call
// is timed from entry to exit or only its time off the CPU is counted (read
// without a program at the call's entry). fsync writes pages out on the
// caller's CPU: off-CPU timing times it from its entry (its own syscall
// tracepoint), so it must come out whole there too. Under off-CPU timing, a
// process preempted while it spins in user mode must not have that wait given
// to its next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeClassKey, syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import { agentConfigDefaults } from '../../src/config.js';
import type { SyscallHistRecord } from '../../src/loader/records.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';
import { loaderOptionsOf } from '../../src/signals.js';

type Timing = 'every-call' | 'off-cpu';
const timings: Timing[] = ['off-cpu', 'every-call'];
const skipReason = loaderSkipReason();
const offCpuSkipReason = skipReason ?? (process.arch !== 'x64' ? 'off-CPU timing reads x86-64 registers (elsewhere the loader times every call)' : undefined);
const arch = syscallArchOf(process.arch);
const [clockNanosleepNr] = syscallNumbers(arch, ['clock_nanosleep']);
const [readNr] = syscallNumbers(arch, ['read']);
const [getppidNr] = syscallNumbers(arch, ['getppid']);
const [fsyncNr] = syscallNumbers(arch, ['fsync']);

function buildFixture(): string {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-offcpu-timing-')), 'off-cpu-waits');
  execFileSync('cc', ['-O2', '-pthread', '-o', exe, join(import.meta.dirname, '..', '..', '..', 'signals', 'syscalls', 'test-fixtures', 'off-cpu-waits.c')]);
  return exe;
}

/** Each histogram entry's latest (cumulative) record, and how many snapshots have ended. */
async function startLoader(syscallTiming: Timing) {
  const latest = new Map<string, SyscallHistRecord>();
  const state = { snapshots: 0 };
  const loader = spawnTestLoader({
    ...loaderOptionsOf({ ...agentConfigDefaults, syscallTiming }, arch, [{ name: 'syscalls' }]),
    intervalMs: 100,
    onRecord: (record) => {
      if (record.type === 'syscall-hist') latest.set(`${record.tgid}/${record.syscallNr}/${record.bucket}/${record.classKey}`, record);
      if (record.type === 'snapshot-end') state.snapshots++;
    },
  });
  await loader.hello;
  /** The records of tgid and syscall once the loader has read them after the process ended. */
  const final = async (tgid: number, syscallNr: number): Promise<SyscallHistRecord[]> => {
    const at = state.snapshots;
    while (state.snapshots < at + 2) await sleep(20);
    return [...latest.values()].filter((r) => r.tgid === tgid && r.syscallNr === syscallNr);
  };
  return { loader, final };
}

async function runFixture(exe: string, args: string[], prefix: string[] = []): Promise<{ pid: number; output: string }> {
  const [command, ...rest] = [...prefix, exe, ...args];
  const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  // 'close', not 'exit': the child can exit before its last output is read.
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, `${args.join(' ')} exited with ${code}`);
  return { pid: child.pid!, output: output.trim() };
}

const totalMs = (records: SyscallHistRecord[]) => Number(records.reduce((sum, r) => sum + r.sumNs, 0n)) / 1e6;
const calls = (records: SyscallHistRecord[]) => records.reduce((sum, r) => sum + r.count, 0n);

for (const timing of timings) {
  test(`${timing} timing: sleeps and a blocking pipe read take the time the program measured, the read classed by its fd`, { skip: timing === 'off-cpu' ? offCpuSkipReason : skipReason, timeout: 60_000 }, async () => {
    const exe = buildFixture();
    const { loader, final } = await startLoader(timing);
    try {
      const sleeps = await runFixture(exe, ['sleeps', '20', '50']);
      const sleepRecords = await final(sleeps.pid, clockNanosleepNr!);
      assert.equal(calls(sleepRecords), 20n);
      const measuredSleep = Number(sleeps.output);
      assert.ok(Math.abs(totalMs(sleepRecords) - measuredSleep) <= measuredSleep * 0.05, `20 sleeps: ${totalMs(sleepRecords)} ms counted, ${measuredSleep} ms measured`);

      const pipe = await runFixture(exe, ['pipe', '300']);
      const readRecords = await final(pipe.pid, readNr!);
      // The process's other reads (the dynamic loader's, of libc) may wait on a busy host too: the pipe's is by far the longest.
      const blocked = readRecords.reduce<SyscallHistRecord | undefined>((longest, r) => (longest && longest.sumNs >= r.sumNs ? longest : r), undefined);
      assert.ok(blocked, 'the process made reads');
      const measuredRead = Number(pipe.output);
      assert.ok(Math.abs(Number(blocked.sumNs) / 1e6 - measuredRead) <= measuredRead * 0.1, `the pipe read: ${Number(blocked.sumNs) / 1e6} ms counted, ${measuredRead} ms measured`);
      const decoded = decodeClassKey(blocked.classKey, () => undefined);
      assert.deepEqual(decoded, { waitClass: 'ipc', ruleId: 'fd-pipe' }, 'the fd, read from the registers at the exit, is a pipe');
    } finally {
      await loader.stop();
    }
  });
}

test('off-CPU timing: a process preempted while it spins in user mode has none of that wait given to its calls', { skip: offCpuSkipReason, timeout: 60_000 }, async () => {
  const exe = buildFixture();
  const { loader, final } = await startLoader('off-cpu');
  try {
    // Two spinners on one CPU: each waits on the run queue about half the time, in user mode.
    const pinned = ['taskset', '-c', '0'];
    const [a, b] = await Promise.all([runFixture(exe, ['spin', '1000'], pinned), runFixture(exe, ['spin', '1000'], pinned)]);
    for (const spinner of [a, b]) {
      const [count, cpuMs] = spinner.output.split(' ').map(Number);
      assert.ok(cpuMs! < 800, `the spinner shared its CPU: ${cpuMs} ms on a CPU in 1000 ms`);
      const records = await final(spinner.pid, getppidNr!);
      assert.equal(calls(records), BigInt(count!), 'every getppid is counted');
      assert.ok(totalMs(records) < 20, `getppid never sleeps: ${totalMs(records)} ms counted against ${1000 - cpuMs!} ms the spinner waited in user mode`);
    }
  } finally {
    await loader.stop();
  }
});

for (const timing of timings) {
  test(`${timing} timing: fsync is timed whole, with the part it spent writing pages out on the CPU`, { skip: timing === 'off-cpu' ? offCpuSkipReason : skipReason, timeout: 60_000 }, async () => {
    const exe = buildFixture();
    const { loader, final } = await startLoader(timing);
    try {
      // Small writes: each fsync spends a large share of its time on the CPU (~30% here), far over the tolerance.
      const file = join(mkdtempSync(join(tmpdir(), 'stallscope-timing-fsync-')), 'synced');
      const synced = await runFixture(exe, ['fsync', '50', '4', file]);
      const [wallMs, cpuMs] = synced.output.split(' ').map(Number);
      const records = await final(synced.pid, fsyncNr!);
      assert.equal(calls(records), 50n);
      assert.ok(
        Math.abs(totalMs(records) - wallMs!) <= wallMs! * 0.1,
        `50 fsyncs: ${totalMs(records)} ms counted, ${wallMs} ms measured, ${cpuMs} ms of it on the CPU`,
      );
      assert.deepEqual(
        records.map((r) => decodeClassKey(r.classKey, () => undefined)).filter((decoded) => !('waitClass' in decoded && decoded.waitClass === 'disk')),
        [],
        'fsync is a disk wait',
      );
    } finally {
      await loader.stop();
    }
  });
}
