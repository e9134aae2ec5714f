import { MetricAttr, Metrics } from '@stallscope/schemas';
import type { LoaderRecord, OffCpuHistRecord } from '../../src/loader/records.js';
import { HistogramDeltas } from '../../src/metrics/histogram-deltas.js';
import { histogramResourceMetrics } from '../../src/metrics/histogram-metrics.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';
import type { StackSymbolizers } from '../../src/stacks/stack-names.js';
import { OffCpuStacks, offCpuStackLogRecords } from './offcpu-stacks.js';

export interface OffCpuSignalOptions {
  symbolizers: StackSymbolizers;
  /** The heaviest stacks kept per service and state each interval. */
  maxStacksPerService: number;
  symbolizeBudget: SymbolizeBudget;
}

/**
 * Off-CPU time per (service, thread state) as offcpu.duration histograms: the
 * run-queue state is the run-queue wait class fleet queries rank beside the
 * syscall waits; sleep and uninterruptible overlap syscall time and stay apart.
 * The heaviest off-CPU stacks of each service go out as folded stacks.
 */
export function createOffCpuSignal(context: SignalContext, options: OffCpuSignalOptions): AgentSignal {
  const stacks = new OffCpuStacks(options.symbolizers, options.maxStacksPerService, options.symbolizeBudget);
  const deltas = new HistogramDeltas<OffCpuHistRecord>((r) => `${r.tgid}:${r.state}:${r.bucket}`);
  let snapshot: OffCpuHistRecord[] = [];
  return {
    name: 'offcpu',
    recordTypes: ['offcpu-hist', 'offcpu-stack', 'stack-trace', 'stacks-reset'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'offcpu-hist') snapshot.push(record);
      else if (record.type === 'offcpu-stack') stacks.onOffCpuStack(record);
      else if (record.type === 'stack-trace') stacks.onStackTrace(record);
      else if (record.type === 'stacks-reset') stacks.onReset();
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const { deltas: intervalDeltas, exitedTgids } = deltas.next(snapshot, (record) => ({
        serviceName: context.processes.lookup(record.tgid).serviceName,
        attributes: { [MetricAttr.threadState]: record.state },
      }));
      snapshot = [];
      const folded = stacks.endInterval((tgid) => context.processes.lookup(tgid).serviceName);
      return {
        logRecords: offCpuStackLogRecords(folded, { hostName: context.hostName, time: bounds.endTime }),
        resourceMetrics:
          intervalDeltas.length > 0
            ? histogramResourceMetrics(Metrics.offCpuDuration, intervalDeltas, { hostName: context.hostName, ...bounds })
            : [],
        spans: [],
        exitedTgids,
      };
    },
  };
}
