import { MetricAttr, Metrics } from '@stallscope/schemas';
import type { LoaderRecord, TcpConnectHistRecord, TcpConnectionRecord, TcpCountRecord } from '../../src/loader/records.js';
import { hrTimeOfNs } from '../../src/export/hr-time.js';
import { HistogramDeltas } from '../../src/metrics/histogram-deltas.js';
import { histogramResourceMetrics } from '../../src/metrics/histogram-metrics.js';
import { UNKNOWN_PROCESS } from '../../src/process/process-registry.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import { tcpConnectionLogRecords } from './tcp-connections.js';
import { TcpCounts, portClassName, tcpCountResourceMetrics } from './tcp-counts.js';

/**
 * TCP trouble per service: connect latency (tcp.connect.duration), retransmitted
 * segments, resets and failed connects (delta sums), each by peer port class;
 * and notable connections (failed, reset, retransmitting) as log records with
 * their peer. Kernel tgid 0 holds sockets no process was seen owning.
 */
export function createTcpSignal(context: SignalContext): AgentSignal {
  const connectDeltas = new HistogramDeltas<TcpConnectHistRecord>((r) => `${r.tgid}:${r.portClass}:${r.bucket}`);
  const counts = new TcpCounts();
  const serviceOf = (tgid: number) => (tgid === 0 ? UNKNOWN_PROCESS : context.processes.lookup(tgid)).serviceName;
  let histSnapshot: TcpConnectHistRecord[] = [];
  let countSnapshot: TcpCountRecord[] = [];
  let connections: TcpConnectionRecord[] = [];
  return {
    name: 'tcp',
    recordTypes: ['tcp-count', 'tcp-connect-hist', 'tcp-connection'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'tcp-count') countSnapshot.push(record);
      else if (record.type === 'tcp-connect-hist') histSnapshot.push(record);
      else if (record.type === 'tcp-connection') connections.push(record);
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const connect = connectDeltas.next(histSnapshot, (record) => ({
        serviceName: serviceOf(record.tgid),
        attributes: { [MetricAttr.tcpPeerPortClass]: portClassName(record.portClass) },
      }));
      const counted = counts.next(countSnapshot, serviceOf);
      const logRecords = tcpConnectionLogRecords(connections, {
        hostName: context.hostName,
        serviceOf,
        timeOf: (ns) => hrTimeOfNs(context.toUnixNs(ns)),
      });
      histSnapshot = [];
      countSnapshot = [];
      connections = [];
      const options = { hostName: context.hostName, ...bounds };
      return {
        resourceMetrics: [
          ...(connect.deltas.length > 0 ? histogramResourceMetrics(Metrics.tcpConnectDuration, connect.deltas, options) : []),
          ...tcpCountResourceMetrics(counted.deltas, options),
        ],
        spans: [],
        logRecords,
        exitedTgids: [...new Set([...connect.exitedTgids, ...counted.exitedTgids])].filter((tgid) => tgid !== 0),
      };
    },
  };
}
