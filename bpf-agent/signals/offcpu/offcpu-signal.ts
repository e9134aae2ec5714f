import { MetricAttr, Metrics } from '@stallscope/schemas';
import type { LoaderRecord, OffCpuHistRecord } from '../../src/loader/records.js';
import { HistogramDeltas } from '../../src/metrics/histogram-deltas.js';
import { histogramResourceMetrics } from '../../src/metrics/histogram-metrics.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';

/**
 * Off-CPU time per (service, thread state) as offcpu.duration histograms: the
 * run-queue state is the run-queue wait class fleet queries rank beside the
 * syscall waits; sleep and uninterruptible overlap syscall time and stay apart.
 */
export function createOffCpuSignal(context: SignalContext): AgentSignal {
  const deltas = new HistogramDeltas<OffCpuHistRecord>((r) => `${r.tgid}:${r.state}:${r.bucket}`);
  let snapshot: OffCpuHistRecord[] = [];
  return {
    name: 'offcpu',
    recordTypes: ['offcpu-hist'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'offcpu-hist') snapshot.push(record);
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const { deltas: intervalDeltas, exitedTgids } = deltas.next(snapshot, (record) => ({
        serviceName: context.processes.lookup(record.tgid).serviceName,
        attributes: { [MetricAttr.threadState]: record.state },
      }));
      snapshot = [];
      return {
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
