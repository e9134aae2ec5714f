import { ValueType, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr, TCP_PORT_CLASS_OTHER, type TcpCountKind } from '@stallscope/schemas';
import type { TcpCountRecord } from '../../src/loader/records.js';

/** A port class as a data point attribute: the port, or 'other' for every port not its own class. */
export function portClassName(portClass: number): string {
  return portClass === TCP_PORT_CLASS_OTHER ? 'other' : String(portClass);
}

/** The metric and attributes each kernel counter kind goes to. */
const KIND_METRICS: Record<TcpCountKind, { metric: keyof typeof Metrics; attributes: Record<string, string> }> = {
  retransmit: { metric: 'tcpRetransmits', attributes: {} },
  reset_received: { metric: 'tcpResets', attributes: { [MetricAttr.tcpResetDirection]: 'received' } },
  reset_sent: { metric: 'tcpResets', attributes: { [MetricAttr.tcpResetDirection]: 'sent' } },
  connect_refused: { metric: 'tcpConnectFailures', attributes: { [MetricAttr.errorType]: 'refused' } },
  connect_unanswered: { metric: 'tcpConnectFailures', attributes: { [MetricAttr.errorType]: 'unanswered' } },
};

export interface TcpCountDelta {
  serviceName: string;
  kind: TcpCountKind;
  portClass: number;
  count: number;
}

export interface TcpCountDeltas {
  deltas: TcpCountDelta[];
  /** Processes whose counters vanished from the kernel map: they exited. */
  exitedTgids: number[];
}

/**
 * The kernel's cumulative per-(process, kind, port class) counters as
 * per-interval deltas grouped by service, so short-lived processes do not
 * multiply series.
 */
export class TcpCounts {
  private previous = new Map<string, bigint>();
  private previousTgids = new Set<number>();

  next(records: readonly TcpCountRecord[], serviceOf: (tgid: number) => string): TcpCountDeltas {
    const current = new Map<string, bigint>();
    const tgids = new Set<number>();
    const grouped = new Map<string, TcpCountDelta>();
    for (const record of records) {
      const key = `${record.tgid}:${record.kind}:${record.portClass}`;
      tgids.add(record.tgid);
      current.set(key, record.count);
      const before = this.previous.get(key);
      // A counter that went down belongs to a new process under a reused pid: count it whole.
      const count = Number(before === undefined || record.count < before ? record.count : record.count - before);
      if (count === 0) continue;
      const serviceName = serviceOf(record.tgid);
      const groupKey = `${serviceName}\0${record.kind}\0${record.portClass}`;
      const delta = grouped.get(groupKey) ?? { serviceName, kind: record.kind, portClass: record.portClass, count: 0 };
      delta.count += count;
      grouped.set(groupKey, delta);
    }
    const exitedTgids = [...this.previousTgids].filter((tgid) => !tgids.has(tgid));
    this.previous = current;
    this.previousTgids = tgids;
    return { deltas: [...grouped.values()], exitedTgids };
  }
}

/** One ResourceMetrics per service holding its tcp.retransmits, tcp.resets and tcp.connect.failures delta sums. */
export function tcpCountResourceMetrics(
  deltas: readonly TcpCountDelta[],
  options: { hostName: string; startTime: HrTime; endTime: HrTime },
): ResourceMetrics[] {
  const byService = new Map<string, Map<keyof typeof Metrics, MetricData>>();
  for (const delta of deltas) {
    const { metric, attributes } = KIND_METRICS[delta.kind];
    const metrics = byService.get(delta.serviceName) ?? new Map<keyof typeof Metrics, MetricData>();
    byService.set(delta.serviceName, metrics);
    let data = metrics.get(metric);
    if (!data) {
      data = {
        descriptor: { ...Metrics[metric], valueType: ValueType.INT },
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [],
      };
      metrics.set(metric, data);
    }
    if (data.dataPointType !== DataPointType.SUM) continue;
    data.dataPoints.push({
      startTime: options.startTime,
      endTime: options.endTime,
      attributes: { [MetricAttr.tcpPeerPortClass]: portClassName(delta.portClass), ...attributes },
      value: delta.count,
    });
  }
  return [...byService].map(([serviceName, metrics]) => ({
    resource: resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: options.hostName }),
    scopeMetrics: [{ scope: { name: AGENT_SCOPE_NAME }, metrics: [...metrics.values()] }],
  }));
}
