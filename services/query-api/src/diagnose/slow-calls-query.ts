// The slowest calls of a service: stallscope's slow-syscall spans in
// otel_traces, with the context the agent put on each.
import { AGENT_SCOPE_NAME, ResourceAttr, SpanAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { TimeRange } from '../kernel/time-ranges.js';

export interface SlowCall {
  readonly time: string;
  readonly durationMs: number;
  readonly syscall: string;
  readonly waitClass: string;
  readonly waitClassRule: string;
  /** What the fd was (file, socket, pipe, ...), and its path or peer when known. */
  readonly fdTarget: string;
  readonly filePath: string;
  readonly peer: string;
  readonly errno: string;
  readonly threadId: string;
  readonly host: string;
  readonly pid: string;
  readonly traceId: string;
}

export function slowCallsSql(service: string, range: TimeRange, limit: number) {
  const query = `
    SELECT toString(Timestamp) AS time, Duration AS durationNs,
      SpanAttributes[{syscallKey:String}] AS syscall,
      SpanAttributes[{waitClassKey:String}] AS waitClass,
      SpanAttributes[{ruleKey:String}] AS waitClassRule,
      SpanAttributes[{fdTargetKey:String}] AS fdTarget,
      SpanAttributes[{filePathKey:String}] AS filePath,
      if(SpanAttributes[{peerAddressKey:String}] = '', '',
        concat(SpanAttributes[{peerAddressKey:String}], ':', SpanAttributes[{peerPortKey:String}])) AS peer,
      SpanAttributes[{errnoKey:String}] AS errno,
      SpanAttributes[{threadKey:String}] AS threadId,
      ResourceAttributes[{hostKey:String}] AS host,
      ResourceAttributes[{pidKey:String}] AS pid,
      TraceId AS traceId
    FROM otel_traces
    WHERE ServiceName = {service:String} AND ScopeName = {agentScope:String}
      AND Timestamp >= toDateTime64({fromSeconds:UInt32}, 9) AND Timestamp < toDateTime64({toSeconds:UInt32}, 9)
    ORDER BY Duration DESC, Timestamp
    LIMIT {limit:UInt32}`;
  return {
    query,
    params: {
      service,
      agentScope: AGENT_SCOPE_NAME,
      fromSeconds: range.fromSeconds,
      toSeconds: range.toSeconds,
      limit,
      syscallKey: SpanAttr.syscallName,
      waitClassKey: SpanAttr.waitClass,
      ruleKey: SpanAttr.waitClassRule,
      fdTargetKey: SpanAttr.fdTarget,
      filePathKey: SpanAttr.filePath,
      peerAddressKey: SpanAttr.networkPeerAddress,
      peerPortKey: SpanAttr.networkPeerPort,
      errnoKey: SpanAttr.errnoName,
      threadKey: SpanAttr.threadId,
      hostKey: ResourceAttr.hostName,
      pidKey: ResourceAttr.processPid,
    },
  };
}

type SlowCallRow = Omit<SlowCall, 'durationMs'> & { durationNs: string };

export async function querySlowCalls(client: Store['client'], service: string, range: TimeRange, limit: number): Promise<SlowCall[]> {
  const { query, params } = slowCallsSql(service, range, limit);
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return (await result.json<SlowCallRow>()).map(({ durationNs, ...row }) => ({ ...row, durationMs: Number(durationNs) / 1e6 }));
}
