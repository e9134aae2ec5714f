// Starts: the real stallscope-loader (BPF programs in this machine's kernel), a
// `sleep 0.3` child process whose syscalls it must see and `/bin/true` children
// whose arguments its exec records must carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROCESS_ARGS_LEN, SignalBit, syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import { defaultLoaderPath } from './default-loader-path.js';
import { RecordDecoder } from './decode.js';
import type { LoaderRecord, ProcessEventRecord, SlowSyscallRecord, SyscallHistRecord } from './records.js';
import { spawnTestLoader } from './fixtures/test-loader.js';

const loaderPath = defaultLoaderPath();
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root to load BPF programs'
    : !existsSync(loaderPath)
      ? `loader binary missing at ${loaderPath} (run make -C bpf-agent)`
      : undefined;

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

test('loader reports histograms, slow syscalls and snapshots from the real kernel', async (t) => {
  if (skipReason) {
    console.log(`skipping real-kernel loader test: ${skipReason}`);
    t.skip(skipReason);
    return;
  }
  const intervalMs = 200;
  const [nanosleepNr] = syscallNumbers(syscallArchOf(process.arch), ['clock_nanosleep']);
  assert.ok(nanosleepNr !== undefined);

  const records: LoaderRecord[] = [];
  /** Histogram records of each completed snapshot, in order. */
  const snapshots: SyscallHistRecord[][] = [];
  let current: SyscallHistRecord[] = [];
  let exit: { code: number | null; signal: string | null } | undefined;
  const loader = spawnTestLoader({
    intervalMs,
    signals: ['syscalls', 'offcpu', 'process'],
    slowThresholdNs: 5_000_000n,
    // clock_nanosleep is idle: its slow events only on request.
    slowEventsForIdle: true,
    onRecord: (record) => {
      records.push(record);
      if (record.type === 'syscall-hist') current.push(record);
      if (record.type === 'snapshot-end') {
        snapshots.push(current);
        current = [];
      }
    },
    onExit: (code, signal) => {
      exit = { code, signal };
    },
  });

  try {
    await waitFor('the hello record', () => records.length > 0, 10_000);
    const [hello] = records;
    assert.ok(hello?.type === 'hello', 'hello comes first');
    assert.equal(hello.loaderPid, loader.pid);
    assert.equal(hello.intervalMs, intervalMs);
    assert.equal(hello.signals, 7, 'syscalls, offcpu and process all load on this kernel');

    const child = spawn('sleep', ['0.3'], { stdio: 'ignore' });
    const childPid = child.pid;
    assert.ok(childPid !== undefined);
    await once(child, 'exit');
    const snapshotsAtExit = snapshots.length;
    await waitFor('five snapshots after the child exited', () => snapshots.length >= snapshotsAtExit + 5, 5_000);

    // Values are cumulative: the last snapshot holding the child has its final figures.
    const childHist = snapshots.findLast((s) => s.some((r) => r.tgid === childPid))?.filter((r) => r.tgid === childPid);
    assert.ok(childHist, `histogram records for the child ${childPid}`);
    const nanosleep = childHist.filter((r) => r.syscallNr === nanosleepNr);
    const nanosleepNs = nanosleep.reduce((sum, r) => sum + r.sumNs, 0n);
    t.diagnostic(`child clock_nanosleep: ${nanosleepNs} ns in ${nanosleep.length} bucket(s) ${nanosleep.map((r) => r.bucket)}, expected ~300000000`);
    assert.ok(Math.abs(Number(nanosleepNs) - 300e6) <= 0.25 * 300e6, `clock_nanosleep sum ${nanosleepNs} ns`);

    for (const r of records) {
      if (r.type !== 'syscall-hist') continue;
      // Bucket 0 is 0..1 ns, bucket b >= 1 is (2^(b-1), 2^b] ns.
      const upper = 2n ** BigInt(r.bucket);
      const lower = r.bucket === 0 ? 0n : upper / 2n + 1n;
      assert.ok(r.maxNs >= lower && r.maxNs <= upper, `max ${r.maxNs} ns outside bucket ${r.bucket}`);
      assert.ok(r.sumNs >= r.count * lower && r.sumNs <= r.count * upper, `sum ${r.sumNs} ns outside bucket ${r.bucket}`);
    }

    const slow = records.filter((r): r is SlowSyscallRecord => r.type === 'slow-syscall');
    const childSlow = slow.find((r) => r.tgid === childPid && r.syscallNr === nanosleepNr);
    assert.ok(childSlow, 'a slow clock_nanosleep event for the child');
    t.diagnostic(`slow event: ${childSlow.comm} ${childSlow.durationNs} ns, ret ${childSlow.returnValue}`);
    assert.ok(childSlow.durationNs >= 250_000_000n);
    assert.equal(childSlow.comm, 'sleep');
    assert.equal(childSlow.returnValue, 0n);

    // The cadence holds: one late tick (a busy machine) is made up by the next, not carried on.
    const ends = records.filter((r) => r.type === 'snapshot-end');
    const gapsMs = ends.slice(1).map((end, i) => Number(end.monotonicNs - ends[i]!.monotonicNs) / 1e6);
    for (const gapMs of gapsMs) assert.ok(gapMs >= intervalMs / 4 && gapMs <= intervalMs * 2, `snapshot gap ${gapMs} ms`);
    const meanGapMs = gapsMs.reduce((sum, gap) => sum + gap, 0) / gapsMs.length;
    assert.ok(Math.abs(meanGapMs / intervalMs - 1) <= 0.2, `mean snapshot gap ${meanGapMs} ms`);

    // The snapshot in flight at the child's exit may predate it; the one after emits
    // its final values and deletes them, so later snapshots must not have it.
    const later = snapshots.slice(snapshotsAtExit + 2);
    assert.ok(later.length > 0);
    assert.ok(later.every((s) => s.every((r) => r.tgid !== childPid)), 'exited child removed from the map');

    assert.ok(
      records.every((r) => !((r.type === 'syscall-hist' || r.type === 'slow-syscall') && r.tgid === loader.pid)),
      'the loader never counts itself',
    );

    const lifecycle = records.filter((r) => r.type === 'process-event' && r.tgid === childPid);
    assert.deepEqual(
      lifecycle.map((r) => (r.type === 'process-event' ? [r.kind, r.parentTgid] : [])),
      [['fork', process.pid], ['exec', 0], ['exit', 0]],
      'the child was forked by this process, exec-ed sleep and exited',
    );
    const exec = lifecycle.find((r) => r.type === 'process-event' && r.kind === 'exec');
    assert.match(exec?.type === 'process-event' ? exec.filename : '', /\/sleep$/, 'the exec names the program it ran');
  } finally {
    await loader.stop();
    await loader.stop();
  }
  assert.deepEqual(exit, { code: 0, signal: null }, 'clean exit on SIGTERM');
  assert.equal(records.at(-1)?.type, 'snapshot-end', 'SIGTERM sends a last snapshot before exiting');
});

test('an exec record carries the arguments the program was run with, cut at PROCESS_ARGS_LEN bytes', { skip: skipReason, timeout: 60_000 }, async () => {
  const records: ProcessEventRecord[] = [];
  let hello = false;
  const loader = spawnTestLoader({
    signals: ['process'],
    maxHistEntries: 1024,
    onRecord: (record) => {
      if (record.type === 'hello') hello = true;
      if (record.type === 'process-event') records.push(record);
    },
  });
  const truePath = '/bin/true';
  const execOf = (pid: number | undefined): ProcessEventRecord | undefined => records.find((r) => r.tgid === pid && r.kind === 'exec');
  async function run(args: string[]): Promise<number> {
    const child = spawn(truePath, args, { stdio: 'ignore' });
    await once(child, 'exit');
    assert.ok(child.pid !== undefined);
    await waitFor(`the exec record of ${child.pid}`, () => execOf(child.pid) !== undefined && records.some((r) => r.tgid === child.pid && r.kind === 'exit'), 10_000);
    return child.pid;
  }
  try {
    // hello is sent once the programs are attached.
    await waitFor('the hello record', () => hello, 10_000);

    const short = ['--password=hunter2', 'two words', '', 'last'];
    const shortPid = await run(short);
    assert.deepEqual(execOf(shortPid)?.argv, [truePath, ...short], 'every argument, empty ones included, as passed');

    const before = ['--api-key=s3cr3t', 'x'.repeat(100)];
    const long = `--classpath=${'c'.repeat(2 * PROCESS_ARGS_LEN)}`;
    const longPid = await run([...before, long, '--after-the-cut']);
    const bytesBefore = [truePath, ...before].reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
    assert.deepEqual(
      execOf(longPid)?.argv,
      [truePath, ...before, long.slice(0, PROCESS_ARGS_LEN - bytesBefore)],
      'arguments up to the cut, the long one cut short, none after it',
    );

    const lifecycle = records.filter((r) => r.tgid === longPid && r.kind !== 'exec');
    assert.deepEqual(lifecycle.map((r) => [r.kind, r.argv]), [['fork', []], ['exit', []]], 'fork and exit carry no arguments');
  } finally {
    await loader.stop();
  }
});

test('SIGTERM while the loader is blocked writing to a full pipe: the stream stays whole to its last record', { skip: skipReason, timeout: 60_000 }, async () => {
  // The profile signal at a high rate writes megabytes a snapshot: the pipe fills while nobody reads.
  const child = spawn(loaderPath, ['--signals', 'profile', '--profile-hz', '997', '--interval-ms', '100'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const decoder = new RecordDecoder();
  const types = new Set<string>();
  let corrupt: unknown;
  child.stdout.on('data', (chunk: Buffer) => {
    try {
      if (corrupt === undefined) for (const record of decoder.push(chunk)) types.add(record.type);
    } catch (error) {
      corrupt = error;
    }
  });
  const ended = once(child.stdout, 'end');
  const exited = once(child, 'exit') as Promise<[number | null]>;
  // Read up to its hello, which it writes once its programs are attached: a loader still starting when
  // SIGTERM came (over 3 s on a loaded machine) had sampled nothing, and its pipe was never full.
  while (!types.has('hello') && child.exitCode === null) await sleep(10);
  child.stdout.pause();
  await sleep(3_000);
  child.kill('SIGTERM');
  child.stdout.resume();
  const [[code]] = await Promise.all([exited, ended]);
  assert.equal(corrupt, undefined, 'the stream decodes: no record cut short by the signal');
  assert.equal(code, 0);
  assert.equal(decoder.bufferedBytes, 0, 'no record cut short at the end');
  assert.ok(types.has('cpu-stack') && types.has('snapshot-end'), [...types].join(', '));
});

test('a host without tracefs mounted: the loader mounts it, and a signal on a classic tracepoint starts', { skip: skipReason, timeout: 60_000 }, async (t) => {
  if (existsSync('/sys/kernel/debug/tracing/events')) {
    t.skip('tracefs is also reachable under debugfs here, so the test cannot take it away');
    return;
  }
  const tracefsMounted = () => readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === '/sys/kernel/tracing');
  // Lazily: whoever has it open keeps it; the loader mounts a new one.
  if (tracefsMounted()) execFileSync('umount', ['-l', '/sys/kernel/tracing']);
  assert.equal(tracefsMounted(), false, 'tracefs is not mounted');
  const loader = spawnTestLoader({ signals: ['memory'], onRecord: () => {} });
  try {
    // The memory signal's OOM kills are the classic tracepoint oom/mark_victim: its id is read from tracefs.
    const hello = await loader.hello;
    assert.equal(hello.signals & SignalBit.memory, SignalBit.memory, 'the memory signal started');
    assert.ok(tracefsMounted(), 'tracefs is mounted on /sys/kernel/tracing');
  } finally {
    await loader.stop();
  }
});
