import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_KEY_PENDING_STACK, CLASS_RULE_SHIFT, FD_KINDS, FD_RULE_BASE, SpanAttr, WAIT_CLASS_CODES, syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import { Registry, Counter } from 'prom-client';
import { ProcessRegistry } from '../../src/process/process-registry.js';
import { SymbolizeBudget } from '../../src/symbols/index.js';
import type { SlowSyscallRecord, UserStackRecord } from '../../src/loader/records.js';
import { createSyscallsSignal } from './syscalls-signal.js';

const arch = syscallArchOf(process.arch);
const [futexNr, readNr] = syscallNumbers(arch, ['futex', 'read']);
const bounds = { startTime: [0, 0] as [number, number], endTime: [1, 0] as [number, number] };
// This process: alive for as long as the test runs, as a traced service would be.
const tgid = process.pid;

const slowFutex = (stackId: number): SlowSyscallRecord => ({
  type: 'slow-syscall',
  tgid,
  tid: tgid,
  syscallNr: futexNr!,
  classKey: CLASS_KEY_PENDING_STACK + stackId,
  args: [0n, 0n, 0n, 0n],
  returnValue: 0n,
  startNs: 1_000n,
  durationNs: 50_000_000n,
  runQueueNs: 0n,
  stackId,
  comm: 'worker',
});
/** Calls counted under a stack not classed yet (the kernel sends such a stack with its snapshot). */
const pendingCounts = (stackId: number, sumNs: bigint) => ({
  type: 'syscall-hist' as const,
  tgid,
  syscallNr: futexNr!,
  bucket: 20,
  classKey: CLASS_KEY_PENDING_STACK + stackId,
  count: 1n,
  sumNs,
  maxNs: sumNs,
});
const PARK_IP = 0x401000n;
const MUTEX_IP = 0x402000n;
const userStack = (stackId: number, ip = PARK_IP): UserStackRecord => ({ type: 'user-stack', stackId, tgid, syscallNr: futexNr!, ips: [ip] });

function signalWithBudget(budgetMs: number, commands: string[] = [], spansForIdleWaits = true) {
  const budget = new SymbolizeBudget(budgetMs);
  const signal = createSyscallsSignal(
    { hostName: 'h', processes: new ProcessRegistry(16), toUnixNs: (ns) => ns, command: (line) => commands.push(line) },
    {
      arch,
      maxSlowSpansPerProcessPerInterval: 50,
      maxPendingSpans: 100,
      stackRules: {
        ruleIds: ['parked'],
        classify: (_syscall, frames) => (frames.includes('park') ? { waitClass: 'idle', ruleId: 'parked' } : { waitClass: 'lock', ruleId: 'futex-default' }),
      },
      symbolize: (_pid, ips) => {
        const until = performance.now() + 10;
        while (performance.now() < until);
        return ips[0] === MUTEX_IP ? ['mutex'] : ['park'];
      },
      spansDropped: new Counter({ name: 'dropped', help: 'h', labelNames: ['reason'], registers: [new Registry()] }),
      symbolizeBudget: budget,
      spansForIdleWaits,
    },
  );
  return { signal, budget };
}

const classOfSpans = (spans: { attributes: Record<string, unknown> }[]) => spans.map((span) => span.attributes[SpanAttr.waitClass]);

test('a slow call whose stack waits for the symbolize budget goes out with its stack\'s class, not the fallback', () => {
  const { signal, budget } = signalWithBudget(5);
  signal.onRecord(userStack(1)); // spends the interval's budget
  signal.onRecord(pendingCounts(1, 9_000_000_000n));
  signal.onRecord(userStack(2)); // waits
  signal.onRecord(slowFutex(2));
  assert.deepEqual(signal.endInterval(bounds).spans, [], 'held while its stack is unclassed');
  budget.reset();
  signal.onRecord(userStack(2)); // the kernel sends a pending stack again with each snapshot
  assert.deepEqual(classOfSpans(signal.endInterval(bounds).spans as never), ['idle']);
});

test('a span waits a few intervals at most, then its stack is classed over the budget', () => {
  const { signal } = signalWithBudget(5);
  signal.onRecord(userStack(1));
  signal.onRecord(pendingCounts(1, 9_000_000_000n));
  signal.onRecord(userStack(2));
  signal.onRecord(slowFutex(2));
  const out = [1, 2, 3, 4].map(() => classOfSpans(signal.endInterval(bounds).spans as never));
  assert.deepEqual(out, [[], [], [], ['idle']], 'out on the fourth interval end, classed');
});

test('by default a call its stack classes idle makes no span, though the kernel sent it before the verdict, nor takes its process\'s room', () => {
  const { signal } = signalWithBudget(1000, [], false);
  signal.onRecord(userStack(1));
  signal.onRecord(slowFutex(1)); // the kernel had no verdict for stack 1 yet
  assert.deepEqual(signal.endInterval(bounds).spans, [], 'classed idle at the interval end: left out');
  // Classed here now; the kernel's map may still lag and send more: none counts toward the 50 a process may send.
  for (let i = 0; i < 60; i++) signal.onRecord(slowFutex(1));
  signal.onRecord(slowFutex(7)); // an unparked stack, classed lock
  signal.onRecord(userStack(7, MUTEX_IP));
  assert.deepEqual(classOfSpans(signal.endInterval(bounds).spans as never), ['lock']);
});

/** A slow read on a pipe: classed in the kernel by its fd (ipc, fd-pipe), no stack. */
const slowPipeRead = (): SlowSyscallRecord => ({
  ...slowFutex(-1),
  syscallNr: readNr!,
  classKey: WAIT_CLASS_CODES.indexOf('ipc') | ((FD_RULE_BASE + FD_KINDS.indexOf('pipe')) << CLASS_RULE_SHIFT),
});

test('a new process\'s calls whose stacks are not classed yet do not take the room of its calls surely wanted', () => {
  const { signal } = signalWithBudget(1000, [], false);
  // A process just started: its idle threads' futex waits come before their stack's verdict.
  for (let i = 0; i < 60; i++) signal.onRecord(slowFutex(3));
  signal.onRecord(slowPipeRead());
  signal.onRecord(userStack(3));
  assert.deepEqual(classOfSpans(signal.endInterval(bounds).spans as never), ['ipc'], 'the read, not dropped for the idle waits');
});

test('calls classed at the interval\'s end share their process\'s room with the rest: 50 spans at most', () => {
  const { signal } = signalWithBudget(1000, [], false);
  for (let i = 0; i < 60; i++) signal.onRecord(slowFutex(4));
  signal.onRecord(slowPipeRead());
  signal.onRecord(userStack(4, MUTEX_IP));
  const classes = classOfSpans(signal.endInterval(bounds).spans as never);
  assert.equal(classes.length, 50);
  assert.deepEqual([...new Set(classes)].sort(), ['ipc', 'lock']);
});

test('over the budget, the stack holding the most blocked time is classed first', () => {
  const told: string[] = [];
  const { signal } = signalWithBudget(5, told);
  signal.onRecord(userStack(1));
  signal.onRecord(userStack(2));
  signal.onRecord(pendingCounts(1, 1_000_000n));
  signal.onRecord(pendingCounts(2, 9_000_000_000n));
  signal.endInterval(bounds);
  assert.equal(told.length, 1, 'the budget covered one stack');
  assert.match(told[0]!, /^verdict 2 \d+$/, 'the heavy one');
});

test('only stacks that counts or slow calls in scope use are named: another cgroup\'s are left to the kernel', () => {
  const told: string[] = [];
  const named: number[] = [];
  const budget = new SymbolizeBudget(60_000);
  const signal = createSyscallsSignal(
    { hostName: 'h', processes: new ProcessRegistry(16), toUnixNs: (ns) => ns, command: (line) => told.push(line) },
    {
      arch,
      maxSlowSpansPerProcessPerInterval: 50,
      maxPendingSpans: 100,
      stackRules: { ruleIds: ['parked'], classify: () => ({ waitClass: 'idle', ruleId: 'parked' }) },
      symbolize: (pid) => {
        named.push(pid);
        return ['park'];
      },
      spansDropped: new Counter({ name: 'dropped', help: 'h', labelNames: ['reason'], registers: [new Registry()] }),
      symbolizeBudget: budget,
      spansForIdleWaits: false,
    },
  );
  const outOfScopePid = 4_000_000;
  // Stack 7: only a process out of scope counts under it (the agent never sees those counts).
  signal.onRecord({ ...userStack(7), tgid: outOfScopePid });
  // Stack 8: sent with the other process's pid, but a process in scope counts under it too.
  signal.onRecord({ ...userStack(8), tgid: outOfScopePid });
  signal.onRecord(pendingCounts(8, 1_000_000n));
  // Stack 9: a slow call in scope waits for it.
  signal.onRecord(userStack(9));
  signal.onRecord(slowFutex(9));
  signal.endInterval(bounds);
  assert.deepEqual(told.map((line) => line.split(' ')[1]).sort(), ['8', '9']);
  assert.deepEqual(named, [outOfScopePid, tgid], 'stack 7 was never symbolized');
});
