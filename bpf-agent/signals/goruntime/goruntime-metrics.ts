import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AGENT_SCOPE_NAME, Metrics, ResourceAttr } from '@stallscope/schemas';
import type { GoroutineFigures } from './goroutine-counts.js';

export interface GcCycles {
  serviceName: string;
  cycles: number;
}

/**
 * Per service: go.goroutine.created and go.gc.cycles (delta sums) and
 * go.goroutine.count (a gauge of live goroutines).
 */
export function goCountResourceMetrics(
  goroutines: readonly GoroutineFigures[],
  gcCycles: readonly GcCycles[],
  options: { hostName: string; startTime: HrTime; endTime: HrTime },
): ResourceMetrics[] {
  const byService = new Map<string, MetricData[]>();
  const add = (serviceName: string, metric: MetricData) => byService.set(serviceName, [...(byService.get(serviceName) ?? []), metric]);
  const point = (value: number) => ({ startTime: options.startTime, endTime: options.endTime, attributes: {}, value });
  const sum = (descriptor: (typeof Metrics)[keyof typeof Metrics], value: number): MetricData => ({
    descriptor: { ...descriptor, valueType: ValueType.INT },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: [point(value)],
  });
  for (const figures of goroutines) {
    add(figures.serviceName, sum(Metrics.goGoroutinesCreated, figures.created));
    add(figures.serviceName, {
      descriptor: { ...Metrics.goGoroutineCount, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [point(figures.live)],
    });
  }
  for (const { serviceName, cycles } of gcCycles) add(serviceName, sum(Metrics.goGcCycles, cycles));
  return [...byService].map(([serviceName, metrics]) => ({
    resource: resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: options.hostName }),
    scopeMetrics: [{ scope: { name: AGENT_SCOPE_NAME }, metrics }],
  }));
}
