import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr, type WaitClass } from '@stallscope/schemas';
import type { SyscallLatencyDelta } from './syscall-histograms.js';

export function exponentialHistogramOf(delta: SyscallLatencyDelta): ExponentialHistogram {
  const indexes = [...delta.bucketCounts.keys()];
  const offset = indexes.length > 0 ? Math.min(...indexes) : 0;
  const top = indexes.length > 0 ? Math.max(...indexes) : -1;
  const bucketCounts: number[] = [];
  for (let index = offset; index <= top; index++) bucketCounts.push(delta.bucketCounts.get(index) ?? 0);
  return {
    count: delta.count,
    sum: delta.sumNs,
    // Kernel log2 buckets are scale-0 buckets exactly: no re-binning.
    scale: 0,
    zeroCount: delta.zeroCount,
    positive: { offset, bucketCounts },
    negative: { offset: 0, bucketCounts: [] },
    max: delta.maxNs,
  };
}

/**
 * One ResourceMetrics per service on this host (resource: service.name and
 * host.name, never a pid), each holding a delta syscall.duration histogram
 * point per syscall.
 */
export function syscallResourceMetrics(
  deltas: readonly SyscallLatencyDelta[],
  options: { hostName: string; startTime: HrTime; endTime: HrTime; waitClassOf: (syscallName: string) => WaitClass },
): ResourceMetrics[] {
  const byService = new Map<string, SyscallLatencyDelta[]>();
  for (const delta of deltas) {
    const list = byService.get(delta.serviceName) ?? [];
    list.push(delta);
    byService.set(delta.serviceName, list);
  }
  return [...byService].map(([serviceName, serviceDeltas]) => ({
    resource: resourceFromAttributes({
      [ResourceAttr.serviceName]: serviceName,
      [ResourceAttr.hostName]: options.hostName,
    }),
    scopeMetrics: [
      {
        scope: { name: AGENT_SCOPE_NAME },
        metrics: [
          {
            descriptor: {
              name: Metrics.syscallDuration.name,
              description: Metrics.syscallDuration.description,
              unit: Metrics.syscallDuration.unit,
              valueType: ValueType.DOUBLE,
            },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
            dataPoints: serviceDeltas.map((delta) => ({
              startTime: options.startTime,
              endTime: options.endTime,
              attributes: {
                [MetricAttr.syscallName]: delta.syscallName,
                [MetricAttr.waitClass]: options.waitClassOf(delta.syscallName),
              },
              value: exponentialHistogramOf(delta),
            })),
          },
        ],
      },
    ],
  }));
}
