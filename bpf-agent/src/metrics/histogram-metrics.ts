import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { AGENT_SCOPE_NAME, ResourceAttr } from '@stallscope/schemas';
import type { HistogramDelta } from './histogram-deltas.js';

export interface MetricDescriptor {
  name: string;
  unit: string;
  description: string;
}

export function exponentialHistogramOf(delta: HistogramDelta): ExponentialHistogram {
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
 * host.name, never a pid), each holding one delta histogram point per group.
 */
export function histogramResourceMetrics(
  metric: MetricDescriptor,
  deltas: readonly HistogramDelta[],
  options: { hostName: string; startTime: HrTime; endTime: HrTime },
): ResourceMetrics[] {
  const byService = new Map<string, HistogramDelta[]>();
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
            descriptor: { ...metric, valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
            dataPoints: serviceDeltas.map((delta) => ({
              startTime: options.startTime,
              endTime: options.endTime,
              attributes: { ...delta.attributes },
              value: exponentialHistogramOf(delta),
            })),
          },
        ],
      },
    ],
  }));
}
