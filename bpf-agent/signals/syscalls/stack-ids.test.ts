// Starts (real-kernel tests): the stallscope-loader and a small C program whose
// 8,192 futex waits each come from a stack of their own.
// - Every stack must get an id of its own, so that each wait is classed by its
//   stack: ids taken from a stack-trace map's hash buckets left about one
//   stack in eight here without one (its bucket held another), and such calls
//   fell back to the syscall's own class (futex as lock), more of them the
//   longer the agent ran.
// - The counts kept under a stack's pending id must leave the kernel's map
//   once the stack has its verdict, while the process lives: a long-lived
//   process making new stacks (JIT frames) filled the map otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLASS_KEY_PENDING_STACK, kernelClassifyCode, stackVerdictClassKey, syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import type { LoaderHandle } from '../../src/loader/loader-process.js';
import type { SyscallHistRecord } from '../../src/loader/records.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const skipReason = loaderSkipReason();
const [futexNr] = syscallNumbers(syscallArchOf(process.arch), ['futex']);
/** Buckets of calls over 16,384 ns (records.ts): above the 10 us stack threshold, so classed by their stack. */
const FIRST_STACK_BUCKET = 15;
const WAITS = 8192;
/**
 * Waits of 100 us that were off the CPU for less than the stack threshold: a
 * timeout that fired before the thread got off the CPU (a vCPU held up for
 * that long) makes the call's off-CPU time ~0, classed by its syscall, as it
 * should be. Seen here: one wait in about four runs.
 */
const SHORT_WAITS_AT_MOST = 8;

function buildFixture(): string {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-stacks-')), 'distinct-futex-stacks');
  execFileSync('cc', ['-O0', '-fno-omit-frame-pointer', '-o', exe, join(import.meta.dirname, '..', '..', '..', 'signals', 'syscalls', 'test-fixtures', 'distinct-futex-stacks.c')]);
  return exe;
}

/** The loader, the child's slow futex counts of each snapshot, and the addresses of each stack id sent for it. */
interface Watch {
  loader: LoaderHandle;
  /** Per snapshot, newest last: the child's futex entries. */
  snapshots: SyscallHistRecord[][];
  stacks: Map<number, string>;
  /** The child, once spawned: records are kept for it alone. */
  child?: ChildProcess;
}

/** Starts the loader; with `classKey`, every stack sent for the child gets that verdict, as the agent would give one. */
async function watch(classKey?: number): Promise<Watch> {
  let current: SyscallHistRecord[] = [];
  const w: Partial<Watch> & Pick<Watch, 'snapshots' | 'stacks'> = { snapshots: [], stacks: new Map() };
  const loader = spawnTestLoader({
    signals: ['syscalls'],
    intervalMs: 300,
    syscallClassifyCodes: new Map([[futexNr!, kernelClassifyCode('futex')]]),
    onRecord: (record) => {
      const tgid = w.child?.pid;
      if (record.type === 'syscall-hist' && record.tgid === tgid && record.syscallNr === futexNr) {
        current.push(record);
      } else if (record.type === 'user-stack' && record.tgid === tgid) {
        w.stacks.set(record.stackId, record.ips.join(','));
        if (classKey !== undefined) loader.command('syscalls', `verdict ${record.stackId} ${classKey}`);
      } else if (record.type === 'snapshot-end') {
        w.snapshots.push(current);
        current = [];
      }
    },
  });
  w.loader = loader;
  await loader.hello;
  return w as Watch;
}

async function snapshotsLater(w: Watch, more: number): Promise<void> {
  const from = w.snapshots.length;
  while (w.snapshots.length < from + more) await sleep(20);
}

/**
 * Each entry's newest record: its final counts. (An entry made while the loader
 * was collecting the keys of the snapshot that found the process gone comes in
 * the next one.)
 */
function lastRecordOfEachEntry(w: Watch): SyscallHistRecord[] {
  const last = new Map<string, SyscallHistRecord>();
  for (const record of w.snapshots.flat()) last.set(`${record.bucket}:${record.classKey}`, record);
  return [...last.values()];
}

/** The calls the records count. */
const countOf = (records: SyscallHistRecord[]) => Number(records.reduce((sum, record) => sum + record.count, 0n));

/** Spawns the fixture and resolves once it has made its waits. */
async function runFixture(w: Watch, args: string[]): Promise<void> {
  const child = spawn(buildFixture(), args, { stdio: ['pipe', 'pipe', 'inherit'] });
  w.child = child;
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.equal(Number(line.toString().trim()), WAITS);
}

test('every distinct stack gets an id of its own: no wait falls back to the syscall class for want of one', { skip: skipReason, timeout: 120_000 }, async () => {
  const w = await watch();
  try {
    await runFixture(w, []);
    await once(w.child!, 'exit');
    // The loader reads the exited process's final counts in its next snapshot.
    await snapshotsLater(w, 2);
    const all = lastRecordOfEachEntry(w);
    assert.equal(countOf(all), WAITS, 'every wait is counted');
    const short = countOf(all.filter((record) => record.bucket < FIRST_STACK_BUCKET));
    assert.ok(short <= SHORT_WAITS_AT_MOST, `${short} waits were off the CPU for less than the stack threshold`);
    const last = all.filter((record) => record.bucket >= FIRST_STACK_BUCKET);
    const fellBack = last.filter((record) => record.classKey < CLASS_KEY_PENDING_STACK);
    assert.equal(countOf(fellBack), 0, 'no wait long enough to be classed by its stack is counted under the syscall class');
    const ids = new Set(last.map((record) => record.classKey - CLASS_KEY_PENDING_STACK));
    assert.equal(countOf(last), WAITS - short, 'every wait long enough is counted under its stack');
    assert.equal(ids.size, WAITS - short, 'a stack id per stack');
    assert.ok([...ids].every((id) => w.stacks.has(id)), 'the loader sent the addresses of every stack id counted');
    assert.equal(new Set([...ids].map((id) => w.stacks.get(id))).size, WAITS - short, 'no two ids stand for the same addresses');
  } finally {
    w.child?.kill();
    await w.loader.stop();
  }
});

test('a live process: the counts under a stack\'s pending id leave the kernel map once its verdict is in, each reported first', { skip: skipReason, timeout: 120_000 }, async () => {
  const w = await watch(stackVerdictClassKey('idle', 0));
  try {
    await runFixture(w, ['hold']);
    // Verdicts go back after the snapshot that sends the stacks; the next one reports and drops their entries.
    await snapshotsLater(w, 4);
    assert.equal(w.child!.exitCode, null, 'the process still runs');
    const last = w.snapshots.at(-1)!;
    assert.equal(
      last.filter((record) => record.classKey >= CLASS_KEY_PENDING_STACK).length,
      0,
      'no pending entry is left of a live process whose stacks all have their verdicts',
    );
    // Each call went out under its pending id (each stack was new), in the entry's last record before it went.
    const all = lastRecordOfEachEntry(w);
    const short = countOf(all.filter((record) => record.bucket < FIRST_STACK_BUCKET));
    assert.ok(short <= SHORT_WAITS_AT_MOST, `${short} waits were off the CPU for less than the stack threshold`);
    const pending = all.filter((record) => record.classKey >= CLASS_KEY_PENDING_STACK);
    assert.equal(countOf(pending), WAITS - short, 'every wait long enough was reported');
  } finally {
    w.child?.stdin?.end();
    w.child?.kill();
    await w.loader.stop();
  }
});
