import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../access/principal.js';
import { assertServiceInScope, scopeCondition } from '../access/scope.js';
import type { BoundQuery } from './trace-reader.js';

type Client = Store['client'];

export interface TraceSearch {
  serviceName: string;
  operationName?: string | undefined;
  /** Attribute key -> value a span must have, on the span or its resource. */
  attributes: Record<string, string>;
  startMinUs: bigint;
  startMaxUs: bigint;
  durationMinNs?: bigint | undefined;
  durationMaxNs?: bigint | undefined;
  limit: number;
}

/**
 * Ids of the traces with a span matching every condition at once (service,
 * operation, duration, attributes, start in the range, as Jaeger's span-level
 * search), most recent first.
 */
export function traceSearchSql(search: TraceSearch): BoundQuery {
  const params: Record<string, unknown> = {
    serviceName: search.serviceName,
    startMinUs: search.startMinUs.toString(),
    startMaxUs: search.startMaxUs.toString(),
    limit: search.limit,
  };
  const conditions = [
    'ServiceName = {serviceName:String}',
    'Timestamp >= fromUnixTimestamp64Micro({startMinUs:Int64})',
    'Timestamp <= fromUnixTimestamp64Micro({startMaxUs:Int64})',
    "TraceId != ''",
  ];
  if (search.operationName !== undefined) {
    conditions.push('SpanName = {operationName:String}');
    params.operationName = search.operationName;
  }
  if (search.durationMinNs !== undefined) {
    conditions.push('Duration >= {durationMinNs:UInt64}');
    params.durationMinNs = search.durationMinNs.toString();
  }
  if (search.durationMaxNs !== undefined) {
    conditions.push('Duration <= {durationMaxNs:UInt64}');
    params.durationMaxNs = search.durationMaxNs.toString();
  }
  Object.entries(search.attributes).forEach(([key, value], index) => {
    conditions.push(
      `(SpanAttributes[{attributeKey${index}:String}] = {attributeValue${index}:String} OR ResourceAttributes[{attributeKey${index}:String}] = {attributeValue${index}:String})`,
    );
    params[`attributeKey${index}`] = key;
    params[`attributeValue${index}`] = value;
  });
  const query = `
    SELECT TraceId AS traceId, max(Timestamp) AS lastStart
    FROM otel_traces
    WHERE ${conditions.join(' AND ')}
    GROUP BY TraceId
    ORDER BY lastStart DESC, traceId
    LIMIT {limit:UInt32}`;
  return { query, params };
}

async function select<Row>(client: Client, { query, params }: BoundQuery): Promise<Row[]> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<Row>();
}

/** A 403 when the service searched for is outside the caller's scope. */
export async function searchTraceIds(client: Client, search: TraceSearch, scope: ServiceScope): Promise<string[]> {
  assertServiceInScope(scope, search.serviceName);
  return (await select<{ traceId: string }>(client, traceSearchSql(search))).map((row) => row.traceId);
}

/** Every service with spans the caller may read, in name order. */
export async function readServiceNames(client: Client, scope: ServiceScope): Promise<string[]> {
  const restriction = scopeCondition(scope, 'ServiceName');
  const scoped = restriction === undefined ? '' : ` AND ${restriction.condition}`;
  const query = `SELECT DISTINCT ServiceName AS serviceName FROM otel_traces WHERE ServiceName != ''${scoped} ORDER BY serviceName`;
  return (await select<{ serviceName: string }>(client, { query, params: restriction?.params ?? {} })).map((row) => row.serviceName);
}

/** One span name of a service, with the kind it was seen with (pdata's SpanKind.String()). */
export interface Operation {
  name: string;
  kind: string;
}

/** The service's span names and kinds, in name order; of one kind when asked. A 403 when the service is outside the caller's scope. */
export async function readOperations(client: Client, serviceName: string, scope: ServiceScope, kind?: string): Promise<Operation[]> {
  assertServiceInScope(scope, serviceName);
  const params: Record<string, unknown> = { serviceName };
  let kindCondition = '';
  if (kind !== undefined) {
    kindCondition = 'AND SpanKind = {kind:String}';
    params.kind = kind;
  }
  const query = `
    SELECT DISTINCT SpanName AS name, SpanKind AS kind FROM otel_traces
    WHERE ServiceName = {serviceName:String} ${kindCondition}
    ORDER BY name, kind`;
  return select<Operation>(client, { query, params });
}
