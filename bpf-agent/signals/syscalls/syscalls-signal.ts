import { existsSync } from 'node:fs';
import type { Counter } from 'prom-client';
import { CLASS_KEY_PENDING_STACK, MetricAttr, Metrics, syscallName, type SyscallArch } from '@stallscope/schemas';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { LoaderRecord, SlowSyscallRecord, SyscallErrorsRecord, SyscallHistRecord, UserStackRecord } from '../../src/loader/records.js';
import { HistogramDeltas } from '../../src/metrics/histogram-deltas.js';
import { histogramResourceMetrics } from '../../src/metrics/histogram-metrics.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import { CallContext } from './call-context.js';
import { ErrorCounts, errorResourceMetrics } from './error-counts.js';
import { processResource, slowSyscallSpan } from './slow-syscall-spans.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';
import { StackVerdicts, type StackRules, type StackSymbolizer } from './stack-verdicts.js';

export interface SyscallsSignalOptions {
  arch: SyscallArch;
  maxSlowSpansPerProcessPerInterval: number;
  /** Spans waiting for the next export, across all processes. */
  maxPendingSpans: number;
  stackRules: StackRules;
  symbolize: StackSymbolizer;
  /** Keeps a process's memory map (see StackVerdicts). */
  keepMappings?: (pid: number) => void;
  spansDropped: Counter<'reason'>;
  symbolizeBudget: SymbolizeBudget;
  /**
   * Spans for calls classed idle (agent.slowSpansForIdleSyscalls). The kernel
   * leaves out the idle calls it can class itself; a call whose stack it had
   * no verdict for comes anyway and is left out here once its stack is classed.
   */
  spansForIdleWaits: boolean;
}

/**
 * Syscall latency by (service, syscall, wait class, rule) as syscall.duration
 * histograms, and a span per slow syscall with its context.
 */
/** Intervals a slow call's span waits for its stack's class before it goes out with the fallback. */
const MAX_SPAN_WAIT_INTERVALS = 3;

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

export function createSyscallsSignal(context: SignalContext, options: SyscallsSignalOptions): AgentSignal {
  const nameOf = (nr: number) => syscallName(options.arch, nr);
  const verdicts = new StackVerdicts(
    options.stackRules,
    options.symbolize,
    nameOf,
    (stackId, classKey) => context.command(`verdict ${stackId} ${classKey}`),
    options.symbolizeBudget,
    options.keepMappings,
  );
  const deltas = new HistogramDeltas<SyscallHistRecord>((r) => `${r.tgid}:${r.syscallNr}:${r.bucket}:${r.classKey}`);
  const errorCounts = new ErrorCounts();
  const callContext = new CallContext();
  let snapshot: SyscallHistRecord[] = [];
  let errorSnapshot: SyscallErrorsRecord[] = [];
  let stacksToClass: UserStackRecord[] = [];

  /**
   * The snapshot's unclassed stacks, heaviest first (the blocked time counted
   * under each so far): when the symbolize budget runs out on a busy host,
   * what it leaves for later is what weighs least, not whatever came last.
   * Only stacks that counts or slow calls of this signal use are classed: with
   * the agent scoped to a cgroup, the records of other processes never reach
   * it but their stacks do (a stack id can be shared with a process in scope),
   * and naming those would read every other binary's symbols for nothing. The
   * kernel sends an unclassed stack again with each snapshot that counts it.
   * Returns the stacks the snapshot's counts and the waiting spans use.
   */
  function classStacks(): ReadonlySet<number> {
    const weight = new Map<number, bigint>();
    for (const record of snapshot) {
      if (record.classKey < CLASS_KEY_PENDING_STACK) continue;
      const stackId = record.classKey - CLASS_KEY_PENDING_STACK;
      weight.set(stackId, (weight.get(stackId) ?? 0n) + record.sumNs);
    }
    for (const { record } of pendingCalls) if (record.stackId >= 0 && !weight.has(record.stackId)) weight.set(record.stackId, 0n);
    const heaviestFirst = stacksToClass
      .filter((record) => weight.has(record.stackId))
      .map((record) => ({ record, ns: weight.get(record.stackId)! }))
      .sort((a, b) => (a.ns > b.ns ? -1 : a.ns < b.ns ? 1 : 0));
    for (const { record } of heaviestFirst) verdicts.onUserStack(record);
    stacksToClass = [];
    return new Set(weight.keys());
  }
  /** Spans each process has this interval: at most maxSlowSpansPerProcessPerInterval. */
  const spansThisIntervalByTgid = new Map<number, number>();
  /** Calls each process sent this interval whose stack was not classed yet: bounded the same, apart. */
  const unclassedThisIntervalByTgid = new Map<number, number>();

  /** What must be read while the call's process surely lives: its fd's target. */
  interface PendingSlowCall {
    record: SlowSyscallRecord;
    callAttributes: Attributes;
    /** Counted in its process's spans already (false: its stack was not classed when it came). */
    hasRoom: boolean;
    /** Intervals it has waited for its stack's class. */
    waitedIntervals?: number;
  }
  let pendingCalls: PendingSlowCall[] = [];

  const unwanted = (record: SlowSyscallRecord): boolean =>
    !options.spansForIdleWaits && verdicts.classOf(record.classKey, nameOf(record.syscallNr)).waitClass === 'idle';

  /** One more of a process's calls in `counts`; false (and counted as dropped) past the bound. */
  function takeRoom(counts: Map<number, number>, tgid: number): boolean {
    const seen = counts.get(tgid) ?? 0;
    if (seen >= options.maxSlowSpansPerProcessPerInterval) {
      options.spansDropped.inc({ reason: 'rate_limit' });
      return false;
    }
    counts.set(tgid, seen + 1);
    return true;
  }

  function onSlowSyscall(record: SlowSyscallRecord): void {
    const unclassed = verdicts.isPending(record.classKey);
    // Classed already here (the kernel's verdict map lags by a snapshot): an idle wait takes no room.
    if (!unclassed && unwanted(record)) return;
    // A call whose stack is not classed yet takes its process's room only once classed, when its span
    // is made: a new process's idle threads, all unclassed at first, took it from the calls surely wanted.
    if (!takeRoom(unclassed ? unclassedThisIntervalByTgid : spansThisIntervalByTgid, record.tgid)) return;
    if (pendingCalls.length >= options.maxPendingSpans) {
      options.spansDropped.inc({ reason: 'queue_full' });
      return;
    }
    pendingCalls.push({ record, callAttributes: callContext.attributes(nameOf(record.syscallNr), record.args, record.tgid), hasRoom: !unclassed });
  }

  /**
   * Spans are made at the interval's end: by then the lifecycle events that
   * name a short-lived process (read from another ring, maybe later) are in.
   */
  function spansOf(calls: readonly PendingSlowCall[]): ReadableSpan[] {
    return calls.map(({ record, callAttributes }) => {
      const name = nameOf(record.syscallNr);
      const { waitClass, ruleId } = verdicts.classOf(record.classKey, name);
      return slowSyscallSpan(
        record,
        {
          syscallName: name,
          waitClass,
          waitClassRule: ruleId,
          userStack: record.stackId >= 0 ? verdicts.framesOf(record.stackId) : undefined,
          callAttributes,
          startUnixNs: context.toUnixNs(record.startNs),
        },
        processResource(context.hostName, record.tgid, context.processes.lookup(record.tgid)),
      );
    });
  }

  return {
    name: 'syscalls',
    recordTypes: ['syscall-hist', 'syscall-errors', 'slow-syscall', 'user-stack'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'syscall-hist') snapshot.push(record);
      else if (record.type === 'syscall-errors') errorSnapshot.push(record);
      else if (record.type === 'slow-syscall') onSlowSyscall(record);
      else if (record.type === 'user-stack') stacksToClass.push(record);
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const stacksInUse = classStacks();
      const { deltas: intervalDeltas, exitedTgids } = deltas.next(snapshot, (record) => {
        // A stack not yet classed (over the symbolize budget) of a live process waits for its class;
        // an exited process's is classed now.
        if (verdicts.isPending(record.classKey)) {
          if (existsSync(`/proc/${record.tgid}`)) return undefined;
          verdicts.classifyNow(record.classKey);
        }
        const syscall = nameOf(record.syscallNr);
        const { waitClass, ruleId } = verdicts.classOf(record.classKey, syscall);
        return {
          serviceName: context.processes.lookup(record.tgid).serviceName,
          attributes: {
            [MetricAttr.syscallName]: syscall,
            [MetricAttr.waitClass]: waitClass,
            [MetricAttr.waitClassRule]: ruleId,
          },
        };
      });
      snapshot = [];
      const errorDeltas = errorCounts.next(errorSnapshot, (record) => ({
        serviceName: context.processes.lookup(record.tgid).serviceName,
        syscallName: nameOf(record.syscallNr),
      }));
      errorSnapshot = [];
      // A span whose stack is not classed yet waits for it, as its counts do, a few intervals at most.
      const [waiting, ready] = partition(
        pendingCalls,
        (call) =>
          (call.waitedIntervals ?? 0) < MAX_SPAN_WAIT_INTERVALS &&
          verdicts.isPending(call.record.classKey) &&
          existsSync(`/proc/${call.record.tgid}`),
      );
      for (const call of ready) if (verdicts.isPending(call.record.classKey)) verdicts.classifyNow(call.record.classKey);
      const spans = spansOf(ready.filter((call) => !unwanted(call.record) && (call.hasRoom || takeRoom(spansThisIntervalByTgid, call.record.tgid))));
      pendingCalls = waiting.map((call) => ({ ...call, waitedIntervals: (call.waitedIntervals ?? 0) + 1 }));
      verdicts.keepOnly(stacksInUse);
      spansThisIntervalByTgid.clear();
      unclassedThisIntervalByTgid.clear();
      callContext.endInterval();
      const where = { hostName: context.hostName, ...bounds };
      return {
        resourceMetrics: [
          ...(intervalDeltas.length > 0 ? histogramResourceMetrics(Metrics.syscallDuration, intervalDeltas, where) : []),
          ...(errorDeltas.length > 0 ? errorResourceMetrics(errorDeltas, where) : []),
        ],
        spans,
        logRecords: [],
        exitedTgids,
      };
    },
  };
}
