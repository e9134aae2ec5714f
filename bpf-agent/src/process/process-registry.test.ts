import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessInfo } from './process-info.js';
import { ProcessRegistry, UNKNOWN_PROCESS } from './process-registry.js';

/** A fake /proc: pid -> the process now holding it. */
class FakeProc {
  readonly byPid = new Map<number, ProcessInfo>();
  reads = 0;

  start(pid: number, serviceName: string, startTimeTicks: number): void {
    const executablePath = `/usr/bin/${serviceName}`;
    this.byPid.set(pid, { serviceName, executableName: serviceName, executablePath, commandLine: executablePath, containerId: undefined, startTimeTicks });
  }

  /** Exiting, or a zombie: /proc/PID still answers, with its comm (15 bytes) but no exe link and no command line. */
  exiting(pid: number): void {
    const comm = this.byPid.get(pid)!.executableName.slice(0, 15);
    this.byPid.set(pid, { serviceName: comm, executableName: comm, containerId: undefined, startTimeTicks: this.byPid.get(pid)!.startTimeTicks });
  }

  registry(maxEntries = 100): ProcessRegistry {
    return new ProcessRegistry(
      maxEntries,
      (pid) => {
        this.reads++;
        return this.byPid.get(pid);
      },
      (pid) => this.byPid.get(pid)?.startTimeTicks,
    );
  }
}

test('a process is named at first sight and remembered after it exits; memory stays bounded', () => {
  const proc = new FakeProc();
  proc.start(1, 'a', 10);
  const registry = proc.registry(2);
  assert.equal(registry.lookup(1).serviceName, 'a');
  proc.byPid.delete(1);
  assert.equal(registry.lookup(1).serviceName, 'a', 'named at first sight, kept after exit');
  assert.equal(registry.lookup(99), UNKNOWN_PROCESS);
  for (const pid of [2, 3, 4]) proc.start(pid, `s${pid}`, pid);
  for (const pid of [2, 3, 4]) registry.lookup(pid);
  assert.equal(registry.size, 2);
  registry.forget(4);
  assert.equal(registry.size, 1);
});

test('a reused pid is read again, never given the dead process name', () => {
  const proc = new FakeProc();
  proc.start(42, 'old', 100);
  const registry = proc.registry();
  assert.equal(registry.lookup(42).serviceName, 'old');
  proc.start(42, 'new', 900);
  assert.equal(registry.lookup(42).serviceName, 'old', 'within one snapshot the start time is checked once');
  registry.retireExited();
  assert.equal(registry.lookup(42).serviceName, 'new');
  assert.equal(registry.lookup(42).startTimeTicks, 900);
});

test('a reused pid whose new process is gone before it is read is unknown, not the old name', () => {
  const proc = new FakeProc();
  proc.start(8, 'old', 100);
  let newProcessAlive = true;
  const registry = new ProcessRegistry(
    10,
    (pid) => (pid === 8 && !newProcessAlive ? undefined : proc.byPid.get(pid)),
    (pid) => proc.byPid.get(pid)?.startTimeTicks,
  );
  registry.lookup(8);
  proc.start(8, 'new', 200);
  newProcessAlive = false;
  registry.retireExited();
  assert.equal(registry.lookup(8), UNKNOWN_PROCESS);
});

test('a reused pid is told apart even after the old process was reported as exited', () => {
  const proc = new FakeProc();
  proc.start(7, 'old', 100);
  const registry = proc.registry();
  registry.lookup(7);
  registry.onExit(7);
  proc.start(7, 'new', 500);
  registry.retireExited();
  assert.equal(registry.lookup(7).serviceName, 'new');
});

test('the start time is read once per snapshot per process, not per look-up', () => {
  const proc = new FakeProc();
  proc.start(5, 'svc', 1);
  let statReads = 0;
  const registry = new ProcessRegistry(
    10,
    (pid) => proc.byPid.get(pid),
    (pid) => {
      statReads++;
      return proc.byPid.get(pid)?.startTimeTicks;
    },
  );
  for (let i = 0; i < 5; i++) registry.lookup(5);
  assert.equal(statReads, 0, 'just read: nothing to check');
  registry.retireExited();
  for (let i = 0; i < 5; i++) registry.lookup(5);
  assert.equal(statReads, 1);
});

test('a forked child runs under its parent name until it execs, and keeps it if it never does', () => {
  const proc = new FakeProc();
  proc.start(10, 'api', 100);
  const registry = proc.registry();
  registry.onFork(10, 11);
  registry.onFork(10, 12);
  proc.start(11, 'api', 150);
  proc.start(12, 'api', 160);
  assert.equal(registry.lookup(11).serviceName, 'api');
  // 12 execs a helper that lives 50 ms: read at the exec event, then gone.
  proc.start(12, 'convert', 160);
  registry.onExec(12);
  proc.byPid.delete(12);
  registry.onExit(12);
  assert.equal(registry.lookup(12).serviceName, 'convert');
  registry.onExit(11);
  proc.byPid.delete(11);
  assert.equal(registry.lookup(11).serviceName, 'api', 'never exec-ed: still its parent name');
});

test("a forked child whose exec event was lost is read from /proc a snapshot later, not named after its parent for life", () => {
  const proc = new FakeProc();
  proc.start(10, 'launcher', 100);
  const registry = proc.registry();
  proc.start(11, 'launcher', 150);
  registry.onFork(10, 11);
  proc.start(11, 'checkout', 150); // it exec-ed (its start time stays), but the ring was full: no onExec
  assert.equal(registry.lookup(11).serviceName, 'launcher', 'within the snapshot of the fork: the parent name');
  registry.retireExited();
  assert.equal(registry.lookup(11).serviceName, 'checkout');
  const reads = proc.reads;
  registry.retireExited();
  registry.lookup(11);
  assert.equal(proc.reads, reads, 'read once: then it is an ordinary entry');
});

test('a fork from an unknown parent reads the child itself', () => {
  const proc = new FakeProc();
  proc.start(21, 'child', 5);
  const registry = proc.registry();
  registry.onFork(20, 21);
  assert.equal(registry.lookup(21).serviceName, 'child');
});

test('an exec whose process is already gone is named from the exec itself, not after the program it replaced', () => {
  const proc = new FakeProc();
  proc.start(30, 'cron', 1);
  const registry = proc.registry();
  registry.onFork(30, 31);
  registry.onExec(31, { filename: '/usr/local/bin/nightly-report', comm: 'nightly-report' });
  assert.equal(registry.lookup(31).serviceName, 'nightly-report');
  assert.equal(registry.lookup(31).executablePath, '/usr/local/bin/nightly-report');
});

test('an exec whose process is already gone keeps the command line the kernel saw, its secrets redacted', () => {
  const proc = new FakeProc();
  proc.start(30, 'cron', 1);
  const registry = proc.registry();
  registry.onFork(30, 32);
  registry.onExec(32, {
    filename: '/opt/etl/bin/loader',
    comm: 'loader',
    argv: ['/opt/etl/bin/loader', '--password=x', '--token', 'tok-9', '--table', 'orders'],
  });
  const info = registry.lookup(32);
  assert.equal(info.commandLine, '/opt/etl/bin/loader --password=REDACTED --token REDACTED --table orders');
  assert.equal(info.serviceName, 'loader');
});

test('an exec whose process is alive is named from /proc, not from the exec event', () => {
  const proc = new FakeProc();
  proc.start(33, 'read-from-proc', 7);
  const registry = proc.registry();
  registry.onExec(33, { filename: '/usr/bin/other', comm: 'other', argv: ['/usr/bin/other', '--flag'] });
  assert.equal(registry.lookup(33).serviceName, 'read-from-proc');
  assert.equal(registry.lookup(33).startTimeTicks, 7, 'the /proc read also gives the start time that tells a reused pid apart');
});

test('an exec whose process is already exiting (/proc has its comm only) is named from the exec event, not its cut comm', () => {
  const proc = new FakeProc();
  proc.start(34, 'shortlived-4dee28f5', 9);
  proc.exiting(34);
  const registry = proc.registry();
  registry.onExec(34, { filename: '/tmp/w/shortlived-4dee28f5', comm: 'shortlived-4dee', argv: ['/tmp/w/shortlived-4dee28f5', '--password=x'] });
  const info = registry.lookup(34);
  assert.equal(info.serviceName, 'shortlived-4dee28f5');
  assert.equal(info.commandLine, '/tmp/w/shortlived-4dee28f5 --password=REDACTED');
});

test('an exec whose process is gone and whose exec said nothing keeps the inherited identity', () => {
  const proc = new FakeProc();
  proc.start(30, 'cron', 1);
  const registry = proc.registry();
  registry.onFork(30, 31);
  registry.onExec(31);
  assert.equal(registry.lookup(31).serviceName, 'cron');
});

test('an exited process is kept through the snapshot in progress and the next whole one, then retired', () => {
  const proc = new FakeProc();
  proc.start(3, 'batch', 1);
  const registry = proc.registry();
  registry.lookup(3);
  proc.byPid.delete(3);
  registry.onExit(3);
  registry.retireExited();
  assert.equal(registry.lookup(3).serviceName, 'batch', 'the snapshot in progress may predate its last counters');
  registry.retireExited();
  assert.equal(registry.size, 0);
  assert.equal(registry.lookup(3), UNKNOWN_PROCESS);
});

test('exec moves a process to the young end: eviction takes the longest-unrenamed first', () => {
  const proc = new FakeProc();
  for (const pid of [1, 2]) proc.start(pid, `p${pid}`, pid);
  const registry = proc.registry(2);
  registry.lookup(1);
  registry.lookup(2);
  registry.onExec(1);
  proc.start(3, 'p3', 3);
  registry.lookup(3);
  const readsBefore = proc.reads;
  registry.lookup(1);
  assert.equal(proc.reads, readsBefore, 'pid 1 was kept');
  registry.lookup(2);
  assert.equal(proc.reads, readsBefore + 1, 'pid 2 was evicted and read again');
});
