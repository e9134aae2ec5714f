import type { Counter } from 'prom-client';
import { MetricAttr, Metrics, syscallName, type SyscallArch } from '@stallscope/schemas';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { LoaderRecord, SlowSyscallRecord, SyscallErrorsRecord, SyscallHistRecord } from '../../src/loader/records.js';
import { HistogramDeltas } from '../../src/metrics/histogram-deltas.js';
import { histogramResourceMetrics } from '../../src/metrics/histogram-metrics.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import { CallContext } from './call-context.js';
import { ErrorCounts, errorResourceMetrics } from './error-counts.js';
import { processResource, slowSyscallSpan } from './slow-syscall-spans.js';
import { StackVerdicts, type StackRules, type StackSymbolizer } from './stack-verdicts.js';

export interface SyscallsSignalOptions {
  arch: SyscallArch;
  maxSlowSpansPerProcessPerInterval: number;
  /** Spans waiting for the next export, across all processes. */
  maxPendingSpans: number;
  stackRules: StackRules;
  symbolize: StackSymbolizer;
  spansDropped: Counter<'reason'>;
}

/**
 * Syscall latency by (service, syscall, wait class, rule) as syscall.duration
 * histograms, and a span per slow syscall with its context.
 */
export function createSyscallsSignal(context: SignalContext, options: SyscallsSignalOptions): AgentSignal {
  const nameOf = (nr: number) => syscallName(options.arch, nr);
  const verdicts = new StackVerdicts(options.stackRules, options.symbolize, nameOf, (stackId, classKey) =>
    context.command(`verdict ${stackId} ${classKey}`),
  );
  const deltas = new HistogramDeltas<SyscallHistRecord>((r) => `${r.tgid}:${r.syscallNr}:${r.bucket}:${r.classKey}`);
  const errorCounts = new ErrorCounts();
  const callContext = new CallContext();
  let snapshot: SyscallHistRecord[] = [];
  let errorSnapshot: SyscallErrorsRecord[] = [];
  let pendingSpans: ReadableSpan[] = [];
  const spansThisIntervalByTgid = new Map<number, number>();

  function onSlowSyscall(record: SlowSyscallRecord): void {
    const seen = spansThisIntervalByTgid.get(record.tgid) ?? 0;
    if (seen >= options.maxSlowSpansPerProcessPerInterval) {
      options.spansDropped.inc({ reason: 'rate_limit' });
      return;
    }
    if (pendingSpans.length >= options.maxPendingSpans) {
      options.spansDropped.inc({ reason: 'queue_full' });
      return;
    }
    spansThisIntervalByTgid.set(record.tgid, seen + 1);
    const name = nameOf(record.syscallNr);
    const info = context.processes.lookup(record.tgid);
    const { waitClass, ruleId } = verdicts.classOf(record.classKey, name);
    pendingSpans.push(
      slowSyscallSpan(
        record,
        {
          syscallName: name,
          waitClass,
          waitClassRule: ruleId,
          userStack: record.stackId >= 0 ? verdicts.framesOf(record.stackId) : undefined,
          callAttributes: callContext.attributes(name, record.args, record.tgid),
          startUnixNs: context.toUnixNs(record.startNs),
        },
        processResource(context.hostName, record.tgid, info),
      ),
    );
  }

  return {
    name: 'syscalls',
    recordTypes: ['syscall-hist', 'syscall-errors', 'slow-syscall', 'user-stack'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'syscall-hist') snapshot.push(record);
      else if (record.type === 'syscall-errors') errorSnapshot.push(record);
      else if (record.type === 'slow-syscall') onSlowSyscall(record);
      else if (record.type === 'user-stack') verdicts.onUserStack(record);
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const { deltas: intervalDeltas, exitedTgids } = deltas.next(snapshot, (record) => {
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
      const spans = pendingSpans;
      pendingSpans = [];
      spansThisIntervalByTgid.clear();
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
