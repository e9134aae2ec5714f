import type { HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AGENT_SCOPE_NAME, ResourceAttr, TCP_CONNECTION_EVENT, TcpConnectionFlag, TcpLogAttr } from '@stallscope/schemas';
import type { TcpConnectionRecord } from '../../src/loader/records.js';

/** The kernel's TCP state names by code (include/net/tcp_states.h). */
const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

const REASONS: [number, string][] = [
  [TcpConnectionFlag.connectFailed, 'connect_failed'],
  [TcpConnectionFlag.refused, 'refused'],
  [TcpConnectionFlag.resetReceived, 'reset_received'],
  [TcpConnectionFlag.resetSent, 'reset_sent'],
  [TcpConnectionFlag.retransmits, 'retransmits'],
];

export function notableReasons(flags: number): string[] {
  return REASONS.filter(([flag]) => (flags & flag) !== 0).map(([, name]) => name);
}

const endpoint = (address: string, port: number, family: string) => (family === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`);

function summary(record: TcpConnectionRecord): string {
  const peer = endpoint(record.peerAddress, record.peerPort, record.family);
  if (record.flags & TcpConnectionFlag.refused) return `connect to ${peer} refused`;
  if (record.flags & TcpConnectionFlag.connectFailed) return `connect to ${peer} unanswered`;
  const what = [];
  if (record.flags & TcpConnectionFlag.resetReceived) what.push('reset by the peer');
  if (record.flags & TcpConnectionFlag.resetSent) what.push('reset by this host');
  if (record.retransmits > 0) what.push(`${record.retransmits} segments retransmitted`);
  return `connection with ${peer}: ${what.join(', ')}`;
}

/**
 * One log record per notable connection, at its close. A log record, not a
 * span: the kernel sees the connection, not a request, so there is no trace
 * context to join and no operation to time (a pooled connection can live for
 * hours); what matters is the moment and the peer, which an event carries.
 * Peer addresses stay here, never on metrics.
 */
export function tcpConnectionLogRecords(
  records: readonly TcpConnectionRecord[],
  options: { hostName: string; serviceOf: (tgid: number) => string; timeOf: (monotonicNs: bigint) => HrTime },
): ReadableLogRecord[] {
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  return records.map((record) => {
    const serviceName = options.serviceOf(record.tgid);
    let resource = resources.get(serviceName);
    if (!resource) {
      resource = resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: options.hostName });
      resources.set(serviceName, resource);
    }
    const time = options.timeOf(record.closeNs);
    return {
      hrTime: time,
      hrTimeObserved: time,
      eventName: TCP_CONNECTION_EVENT,
      body: summary(record),
      resource,
      instrumentationScope: { name: AGENT_SCOPE_NAME },
      attributes: {
        [TcpLogAttr.networkTransport]: 'tcp',
        [TcpLogAttr.networkType]: record.family,
        [TcpLogAttr.networkPeerAddress]: record.peerAddress,
        [TcpLogAttr.networkPeerPort]: record.peerPort,
        ...(record.localPort !== 0 && {
          [TcpLogAttr.networkLocalAddress]: record.localAddress,
          [TcpLogAttr.networkLocalPort]: record.localPort,
        }),
        ...(record.tgid !== 0 && { [TcpLogAttr.processPid]: record.tgid }),
        [TcpLogAttr.reasons]: notableReasons(record.flags),
        [TcpLogAttr.lastState]: TCP_STATES[record.lastState] ?? String(record.lastState),
        ...(record.connectNs > 0n && { [TcpLogAttr.connectNs]: Number(record.connectNs) }),
        [TcpLogAttr.retransmits]: record.retransmits,
      },
      droppedAttributesCount: 0,
    };
  });
}
