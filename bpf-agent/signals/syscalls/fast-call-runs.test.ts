// Starts (real-kernel tests): the stallscope-loader and a small C program making
// runs of getppid calls, which the kernel counts in the thread's own storage
// before they reach the histogram map (thread-state.bpf.h: runs of fast calls
// under every-call timing; under off-CPU timing, slots of calls that took no
// time, which go out when the thread leaves the CPU inside a call). Every
// call must still be counted, exactly, and soon, under either syscall timing
// (off-CPU timing ages its counts in jiffies, not by the clock); and the calls
// of threads on every CPU, which reach the shared histogram map at once, each
// once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import type { LoaderHandle } from '../../src/loader/loader-process.js';
import type { LoaderRecord, SyscallHistRecord } from '../../src/loader/records.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const skipReason = loaderSkipReason();
const [getppidNr, getpidNr] = syscallNumbers(syscallArchOf(process.arch), ['getppid', 'getpid']);

function buildFixture(): string {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-runs-')), 'getppid-runs');
  execFileSync('cc', ['-O2', '-pthread', '-o', exe, join(import.meta.dirname, '..', '..', '..', 'signals', 'syscalls', 'test-fixtures', 'getppid-runs.c')]);
  return exe;
}

type Timing = 'every-call' | 'off-cpu';
/** Off-CPU timing reads x86-64 registers; elsewhere the loader times every call. */
const timings: Timing[] = process.arch === 'x64' ? ['every-call', 'off-cpu'] : ['every-call'];

/** The loader with every snapshot's histogram records kept, newest last. */
async function startLoader(syscallTiming: Timing): Promise<{ loader: LoaderHandle; snapshots: SyscallHistRecord[][] }> {
  const records: LoaderRecord[] = [];
  const snapshots: SyscallHistRecord[][] = [];
  let current: SyscallHistRecord[] = [];
  const loader = spawnTestLoader({
    signals: ['syscalls', 'offcpu'],
    intervalMs: 100,
    syscallTiming,
    onRecord: (record) => {
      records.push(record);
      if (record.type === 'syscall-hist') current.push(record);
      if (record.type === 'snapshot-end') {
        snapshots.push(current);
        current = [];
      }
    },
  });
  await loader.hello;
  return { loader, snapshots };
}

/** Calls of one syscall by tgid in one snapshot (cumulative counts, summed over buckets and classes). */
const callCount = (snapshot: SyscallHistRecord[] | undefined, tgid: number, syscallNr: number) =>
  (snapshot ?? []).filter((r) => r.tgid === tgid && r.syscallNr === syscallNr).reduce((sum, r) => sum + r.count, 0n);
const getppidCount = (snapshot: SyscallHistRecord[] | undefined, tgid: number) => callCount(snapshot, tgid, getppidNr!);

/**
 * The last count of tgid, once the loader has read it after the process ended
 * (it then deletes the process's entries): cumulative counts only grow, so
 * the largest is the last.
 */
async function finalCount(snapshots: SyscallHistRecord[][], tgid: number, syscallNr = getppidNr!): Promise<bigint> {
  const endedAt = snapshots.length;
  while (snapshots.length < endedAt + 2) await sleep(20);
  return snapshots.reduce((max, snapshot) => {
    const count = callCount(snapshot, tgid, syscallNr);
    return count > max ? count : max;
  }, 0n);
}

for (const timing of timings) {
  test(`${timing} timing: a run of fast calls is counted exactly once the thread enters another syscall, and when the thread dies in a run`, { skip: skipReason, timeout: 60_000 }, async () => {
    const exe = buildFixture();
    const { loader, snapshots } = await startLoader(timing);
    try {
      const n = 200_000;
      const child = spawn(exe, [String(n)], { stdio: ['ignore', 'pipe', 'ignore'] });
      await once(child.stdout, 'data');
      // The child now sleeps in clock_nanosleep for 1 s: a snapshot taken during the pause has the whole first run.
      const seenAt = snapshots.length;
      while (snapshots.length < seenAt + 2) await sleep(20);
      assert.equal(getppidCount(snapshots.at(-1), child.pid!), BigInt(n), 'the first run, every call, while the thread sleeps');
      const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
      assert.equal(signal, 'SIGSEGV', 'the program ended inside its second run, by a fault');
      assert.equal(await finalCount(snapshots, child.pid!), BigInt(2 * n), 'both runs: the second counted when the thread died');
    } finally {
      await loader.stop();
    }
  });

  test(`${timing} timing: a thread making only fast calls has them counted while it runs, not at its end`, { skip: skipReason, timeout: 60_000 }, async () => {
    const exe = buildFixture();
    const { loader, snapshots } = await startLoader(timing);
    try {
      const child = spawn(exe, ['steady', '1500'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      const counts: bigint[] = [];
      while (child.exitCode === null) {
        const at = snapshots.length;
        await sleep(150);
        if (snapshots.length > at && child.exitCode === null) counts.push(getppidCount(snapshots.at(-1), child.pid!));
      }
      const growing = counts.filter((count, i) => i > 0 && count > counts[i - 1]!).length;
      assert.ok(growing >= 3, `the cumulative count grew from snapshot to snapshot while the calls went on: ${counts.join(', ')}`);
      assert.equal(await finalCount(snapshots, child.pid!), BigInt(output.trim()), 'every call the program made');
    } finally {
      await loader.stop();
    }
  });

  test(`${timing} timing: the calls of threads on every CPU, counted into the same map entries at once, are each counted once`, { skip: skipReason, timeout: 60_000 }, async () => {
    const exe = buildFixture();
    const { loader, snapshots } = await startLoader(timing);
    try {
      // More threads than CPUs, so that each CPU counts some of the calls; getppid and getpid in turn, so that under
      // every-call timing none is in a run and each goes to the map, and under off-CPU timing two slots take them.
      const threads = 4;
      const n = 100_000;
      const child = spawn(exe, ['alternating', String(threads), String(n)], { stdio: ['ignore', 'pipe', 'ignore'] });
      const [code] = (await once(child, 'close')) as [number | null];
      assert.equal(code, 0, 'the fixture ran its threads to the end');
      assert.equal(await finalCount(snapshots, child.pid!), BigInt(threads * n), 'every getppid call of every thread');
      // The C library's start may make a getpid call of its own.
      const getpids = await finalCount(snapshots, child.pid!, getpidNr!);
      assert.ok(getpids >= BigInt(threads * n) && getpids <= BigInt(threads * n + 2), `every getpid call of every thread: ${getpids}`);
    } finally {
      await loader.stop();
    }
  });
}
