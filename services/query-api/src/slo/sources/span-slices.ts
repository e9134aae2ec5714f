// Per-slice figures of an application's spans (otel_traces, the Collector
// exporter's table). stallscope's own slow-syscall spans share the table and
// are left out by their instrumentation scope.
import { AGENT_SCOPE_NAME } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { ComparisonOp, LatencyStatistic, SpanEventFilter, SpanSelector } from '../slo-definition.js';
import { SQL_OPERATOR, type BoundQuery, type SliceRange } from './slice-range.js';

const NS_PER_MS = 1e6;

/** Aggregate per statistic: SQL text only from this fixed map, keyed by the validated enum. */
const STATISTIC_SQL: Readonly<Record<LatencyStatistic, string>> = {
  p50: 'quantileExact(0.5)(Duration)',
  p90: 'quantileExact(0.9)(Duration)',
  p95: 'quantileExact(0.95)(Duration)',
  p99: 'quantileExact(0.99)(Duration)',
  p999: 'quantileExact(0.999)(Duration)',
  max: 'max(Duration)',
};

function selection(selector: SpanSelector, range: SliceRange): { conditions: string[]; params: BoundQuery['params'] } {
  const params: BoundQuery['params'] = { service: selector.service, agentScope: AGENT_SCOPE_NAME, ...range };
  const conditions = [
    'ServiceName = {service:String}',
    'ScopeName != {agentScope:String}',
    'Timestamp >= toDateTime64({fromSeconds:UInt32}, 9)',
    'Timestamp < toDateTime64({toSeconds:UInt32}, 9)',
  ];
  if (selector.spanName !== undefined) {
    conditions.push('SpanName = {spanName:String}');
    params.spanName = selector.spanName;
  }
  if (selector.spanKind !== undefined) {
    conditions.push('SpanKind = {spanKind:String}');
    params.spanKind = selector.spanKind;
  }
  return { conditions, params };
}

const SLICE_START = 'intDiv(toUInt32(toDateTime(Timestamp)), {sliceSeconds:UInt32}) * {sliceSeconds:UInt32} AS sliceStart';

/** Which spans match: each below (or above) a duration, or within a filter's status codes and duration. */
export type SpanMatch =
  | { readonly kind: 'duration'; readonly op: ComparisonOp; readonly valueMs: number }
  | { readonly kind: 'filter'; readonly filter: SpanEventFilter };

/** Per slice: spans selected, and how many of them match. */
export function spanMatchSlicesSql(selector: SpanSelector, match: SpanMatch, range: SliceRange): BoundQuery {
  const { conditions, params } = selection(selector, range);
  const matchConditions: string[] = [];
  if (match.kind === 'duration') {
    matchConditions.push(`Duration ${SQL_OPERATOR[match.op]} {durationNs:Float64}`);
    params.durationNs = match.valueMs * NS_PER_MS;
  } else {
    if (match.filter.statusCodes !== undefined) {
      matchConditions.push('StatusCode IN {statusCodes:Array(String)}');
      params.statusCodes = match.filter.statusCodes;
    }
    if (match.filter.maxDurationMs !== undefined) {
      matchConditions.push('Duration <= {maxDurationNs:Float64}');
      params.maxDurationNs = match.filter.maxDurationMs * NS_PER_MS;
    }
  }
  const query = `
    SELECT ${SLICE_START}, countIf(${matchConditions.join(' AND ')}) AS matched, count() AS total
    FROM otel_traces
    WHERE ${conditions.join(' AND ')}
    GROUP BY sliceStart
    ORDER BY sliceStart`;
  return { query, params };
}

/** Per slice: a statistic of the selected spans' durations, in ns. */
export function spanStatisticSlicesSql(selector: SpanSelector, statistic: LatencyStatistic, range: SliceRange): BoundQuery {
  const { conditions, params } = selection(selector, range);
  const query = `
    SELECT ${SLICE_START}, toFloat64(${STATISTIC_SQL[statistic]}) AS valueNs, count() AS total
    FROM otel_traces
    WHERE ${conditions.join(' AND ')}
    GROUP BY sliceStart
    ORDER BY sliceStart`;
  return { query, params };
}

const JSON_SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const;

export async function querySpanMatchSlices(
  client: Store['client'],
  selector: SpanSelector,
  match: SpanMatch,
  range: SliceRange,
): Promise<{ startSeconds: number; matched: number; total: number }[]> {
  const { query, params } = spanMatchSlicesSql(selector, match, range);
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_SETTINGS });
  return (await result.json<{ sliceStart: string; matched: string; total: string }>()).map((row) => ({
    startSeconds: Number(row.sliceStart),
    matched: Number(row.matched),
    total: Number(row.total),
  }));
}

export async function querySpanStatisticSlices(
  client: Store['client'],
  selector: SpanSelector,
  statistic: LatencyStatistic,
  range: SliceRange,
): Promise<{ startSeconds: number; valueMs: number }[]> {
  const { query, params } = spanStatisticSlicesSql(selector, statistic, range);
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_SETTINGS });
  return (await result.json<{ sliceStart: string; valueNs: number }>()).map((row) => ({
    startSeconds: Number(row.sliceStart),
    valueMs: row.valueNs / NS_PER_MS,
  }));
}
