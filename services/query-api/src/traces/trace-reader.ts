import { AGENT_SCOPE_NAME, ResourceAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../access/principal.js';
import { scopeCondition } from '../access/scope.js';
import { STORED_SPAN_COLUMNS, storedSpanOf, type StoredRow, type StoredSpan } from './stored-span.js';

type Client = Store['client'];
type Params = Record<string, unknown>;

/** ` AND <scope condition on ServiceName>` and its parameters; nothing for an unrestricted scope. */
function scopeClause(scope: ServiceScope): { sql: string; params: Params } {
  const restriction = scopeCondition(scope, 'ServiceName');
  return restriction === undefined ? { sql: '', params: {} } : { sql: ` AND ${restriction.condition}`, params: restriction.params };
}

/** A query's SQL text and its bound parameters; SQL text never holds a user value. */
export interface BoundQuery {
  query: string;
  params: Params;
}

async function selectSpans(client: Client, { query, params }: BoundQuery): Promise<StoredSpan[]> {
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return (await result.json<StoredRow>()).map(storedSpanOf);
}

/**
 * The spans of the given traces. otel_traces_trace_id_ts gives each trace's
 * first and last span start to the second, and only otel_traces partitions
 * in [min Start, max End + 1 s] are read: the lookup the Collector's
 * ClickHouse exporter creates the table for (its README's "find spans with
 * specific trace id" query bounds Timestamp the same way). A scoped caller
 * gets only the spans of its services.
 */
export function traceSpansSql(traceIds: readonly string[], maxSpans: number, scope: ServiceScope): BoundQuery {
  const scoped = scopeClause(scope);
  const query = `
    WITH
      (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId IN {traceIds:Array(String)}) AS first_start,
      (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId IN {traceIds:Array(String)}) AS last_start
    SELECT ${STORED_SPAN_COLUMNS}
    FROM otel_traces
    WHERE TraceId IN {traceIds:Array(String)} AND Timestamp >= first_start AND Timestamp <= last_start${scoped.sql}
    ORDER BY Timestamp, SpanId
    LIMIT {maxSpans:UInt32}`;
  return { query, params: { traceIds, maxSpans, ...scoped.params } };
}

export function readTraceSpans(client: Client, traceIds: readonly string[], maxSpans: number, scope: ServiceScope): Promise<StoredSpan[]> {
  return selectSpans(client, traceSpansSql(traceIds, maxSpans, scope));
}

/** A traced process: host.name and process.pid of a span's resource, as stored. */
export interface ProcessKey {
  hostName: string;
  pid: string;
}

export interface KernelSpansFilter {
  processes: readonly ProcessKey[];
  fromNs: bigint;
  toNs: bigint;
  maxSpans: number;
  /** Whose kernel spans the caller may read. */
  scope: ServiceScope;
}

/**
 * The BPF agent's spans (slow syscalls) of the given processes that start
 * inside [fromNs, toNs]. They are one-span traces of their own, found by
 * process and time, not by trace id.
 */
export function kernelSpansSql(filter: KernelSpansFilter): BoundQuery {
  const scoped = scopeClause(filter.scope);
  const query = `
    SELECT ${STORED_SPAN_COLUMNS}
    FROM otel_traces
    WHERE ScopeName = {agentScope:String}
      AND Timestamp >= fromUnixTimestamp64Nano({fromNs:Int64}) AND Timestamp <= fromUnixTimestamp64Nano({toNs:Int64})
      AND has(arrayZip({hostNames:Array(String)}, {pids:Array(String)}), (ResourceAttributes[{hostKey:String}], ResourceAttributes[{pidKey:String}]))${scoped.sql}
    ORDER BY Timestamp, SpanId
    LIMIT {maxSpans:UInt32}`;
  return {
    query,
    params: {
      agentScope: AGENT_SCOPE_NAME,
      fromNs: filter.fromNs.toString(),
      toNs: filter.toNs.toString(),
      hostKey: ResourceAttr.hostName,
      pidKey: ResourceAttr.processPid,
      hostNames: filter.processes.map(({ hostName }) => hostName),
      pids: filter.processes.map(({ pid }) => pid),
      maxSpans: filter.maxSpans,
      ...scoped.params,
    },
  };
}

export function readKernelSpans(client: Client, filter: KernelSpansFilter): Promise<StoredSpan[]> {
  if (filter.processes.length === 0) return Promise.resolve([]);
  return selectSpans(client, kernelSpansSql(filter));
}
