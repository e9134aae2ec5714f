import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr, errnoClass, errnoName } from '@stallscope/schemas';
import type { SyscallErrorsRecord } from '../../src/loader/records.js';

interface ErrorDelta {
  serviceName: string;
  syscallName: string;
  errno: number;
  count: number;
}

/**
 * The kernel's cumulative per-(process, syscall, errno) failure counts as
 * per-interval deltas grouped by service, exported as the monotonic delta sum
 * syscall.errors: a retry storm of EAGAIN or EINTR shows, though each call is fast.
 */
export class ErrorCounts {
  private previous = new Map<string, bigint>();

  next(
    records: readonly SyscallErrorsRecord[],
    nameOf: (record: SyscallErrorsRecord) => { serviceName: string; syscallName: string },
  ): ErrorDelta[] {
    const current = new Map<string, bigint>();
    const grouped = new Map<string, ErrorDelta>();
    for (const record of records) {
      const key = `${record.tgid}:${record.syscallNr}:${record.errno}`;
      current.set(key, record.count);
      const before = this.previous.get(key);
      // A counter that went down belongs to a new process under a reused pid: count it whole.
      const count = Number(before === undefined || record.count < before ? record.count : record.count - before);
      if (count === 0) continue;
      const names = nameOf(record);
      const groupKey = `${names.serviceName}\0${names.syscallName}\0${record.errno}`;
      const delta = grouped.get(groupKey) ?? { ...names, errno: record.errno, count: 0 };
      delta.count += count;
      grouped.set(groupKey, delta);
    }
    this.previous = current;
    return [...grouped.values()];
  }
}

/** One ResourceMetrics per service holding its syscall.errors points. */
export function errorResourceMetrics(
  deltas: readonly ErrorDelta[],
  options: { hostName: string; startTime: HrTime; endTime: HrTime },
): ResourceMetrics[] {
  const byService = new Map<string, ErrorDelta[]>();
  for (const delta of deltas) byService.set(delta.serviceName, [...(byService.get(delta.serviceName) ?? []), delta]);
  return [...byService].map(([serviceName, serviceDeltas]) => ({
    resource: resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: options.hostName }),
    scopeMetrics: [
      {
        scope: { name: AGENT_SCOPE_NAME },
        metrics: [
          {
            descriptor: { ...Metrics.syscallErrors, valueType: ValueType.INT },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.SUM,
            isMonotonic: true,
            dataPoints: serviceDeltas.map((delta) => ({
              startTime: options.startTime,
              endTime: options.endTime,
              attributes: {
                [MetricAttr.syscallName]: delta.syscallName,
                [MetricAttr.errnoName]: errnoName(delta.errno),
                [MetricAttr.errorType]: errnoClass(delta.errno),
              },
              value: delta.count,
            })),
          },
        ],
      },
    ],
  }));
}
