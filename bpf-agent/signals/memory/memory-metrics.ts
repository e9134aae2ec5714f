import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr } from '@stallscope/schemas';

export interface ServiceFaults {
  serviceName: string;
  major: number;
  minor: number;
}

export interface ProcessRss {
  serviceName: string;
  tgid: number;
  rssBytes: number;
}

interface Options {
  hostName: string;
  startTime: HrTime;
  endTime: HrTime;
}

function serviceResourceMetrics(byService: Map<string, MetricData[]>, hostName: string): ResourceMetrics[] {
  return [...byService].map(([serviceName, metrics]) => ({
    resource: resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: hostName }),
    scopeMetrics: [{ scope: { name: AGENT_SCOPE_NAME }, metrics }],
  }));
}

/**
 * process.paging.faults (delta sum by system.paging.fault.type) per service and
 * process.memory.usage (gauge: the RSS of the service's processes among the
 * host's largest, summed) in one
 * ResourceMetrics per service.
 */
export function memoryResourceMetrics(faults: readonly ServiceFaults[], rss: readonly ProcessRss[], options: Options): ResourceMetrics[] {
  const byService = new Map<string, MetricData[]>();
  const metricsOf = (serviceName: string) => {
    const metrics = byService.get(serviceName) ?? [];
    byService.set(serviceName, metrics);
    return metrics;
  };
  for (const service of faults) {
    const dataPoints = (['major', 'minor'] as const)
      .filter((type) => service[type] > 0)
      .map((type) => ({
        startTime: options.startTime,
        endTime: options.endTime,
        attributes: { [MetricAttr.pagingFaultType]: type },
        value: service[type],
      }));
    if (dataPoints.length === 0) continue;
    metricsOf(service.serviceName).push({
      descriptor: { ...Metrics.processPagingFaults, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints,
    });
  }
  // Per service, not per process: metric attributes never carry a pid (series would grow with every restart).
  const rssByService = new Map<string, number>();
  for (const process of rss) rssByService.set(process.serviceName, (rssByService.get(process.serviceName) ?? 0) + process.rssBytes);
  for (const [serviceName, rssBytes] of rssByService) {
    metricsOf(serviceName).push({
      descriptor: { ...Metrics.processMemoryUsage, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.GAUGE,
      dataPoints: [{ startTime: options.endTime, endTime: options.endTime, attributes: {}, value: rssBytes }],
    });
  }
  return serviceResourceMetrics(byService, options.hostName);
}
