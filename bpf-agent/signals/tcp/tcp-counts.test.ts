import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { MetricAttr, type TcpCountKind } from '@stallscope/schemas';
import type { TcpCountRecord } from '../../src/loader/records.js';
import { TcpCounts, tcpCountResourceMetrics } from './tcp-counts.js';

const counted = (tgid: number, kind: TcpCountKind, portClass: number, count: number): TcpCountRecord => ({
  type: 'tcp-count',
  tgid,
  kind,
  portClass,
  count: BigInt(count),
});
const serviceOf = (tgid: number) => (tgid < 20 ? 'api' : 'db');

test('tcp counts: deltas per service, kind and port class; vanished processes are reported as exited', () => {
  const counts = new TcpCounts();
  assert.deepEqual(counts.next([counted(10, 'retransmit', 0, 5), counted(11, 'retransmit', 0, 2), counted(30, 'connect_refused', 5432, 1)], serviceOf), {
    deltas: [
      { serviceName: 'api', kind: 'retransmit', portClass: 0, count: 7 },
      { serviceName: 'db', kind: 'connect_refused', portClass: 5432, count: 1 },
    ],
    exitedTgids: [],
  });
  assert.deepEqual(counts.next([counted(10, 'retransmit', 0, 9), counted(30, 'connect_refused', 5432, 1)], serviceOf), {
    deltas: [{ serviceName: 'api', kind: 'retransmit', portClass: 0, count: 4 }],
    exitedTgids: [11],
  });
});

test('tcp counts become delta sums: retransmits, resets by direction, connect failures by error.type', () => {
  const [rm] = tcpCountResourceMetrics(
    [
      { serviceName: 'api', kind: 'retransmit', portClass: 0, count: 7 },
      { serviceName: 'api', kind: 'reset_received', portClass: 443, count: 2 },
      { serviceName: 'api', kind: 'reset_sent', portClass: 443, count: 1 },
      { serviceName: 'api', kind: 'connect_refused', portClass: 5432, count: 3 },
    ],
    { hostName: 'h', startTime: [1, 0], endTime: [2, 0] },
  );
  const metrics = rm!.scopeMetrics[0]!.metrics;
  const byName = Object.fromEntries(metrics.map((m) => [m.descriptor.name, m]));
  assert.deepEqual(Object.keys(byName).sort(), ['tcp.connect.failures', 'tcp.resets', 'tcp.retransmits']);
  for (const metric of metrics) {
    assert.equal(metric.dataPointType, DataPointType.SUM);
    assert.equal(metric.dataPointType === DataPointType.SUM && metric.isMonotonic, true);
  }
  assert.deepEqual(byName['tcp.retransmits']!.dataPoints.map((p) => [p.attributes, p.value]), [[{ [MetricAttr.tcpPeerPortClass]: 'other' }, 7]]);
  assert.deepEqual(byName['tcp.resets']!.dataPoints.map((p) => [p.attributes, p.value]), [
    [{ [MetricAttr.tcpPeerPortClass]: '443', [MetricAttr.tcpResetDirection]: 'received' }, 2],
    [{ [MetricAttr.tcpPeerPortClass]: '443', [MetricAttr.tcpResetDirection]: 'sent' }, 1],
  ]);
  assert.deepEqual(byName['tcp.connect.failures']!.dataPoints.map((p) => [p.attributes, p.value]), [
    [{ [MetricAttr.tcpPeerPortClass]: '5432', [MetricAttr.errorType]: 'refused' }, 3],
  ]);
});
