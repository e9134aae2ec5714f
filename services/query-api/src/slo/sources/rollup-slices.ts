// Per-slice syscall figures of one service from the per-minute rollup
// (kernel_syscall_minutely). The only module of the SLO code that knows the
// rollup's columns, so a change of the rollup changes this file alone.
import { RUN_QUEUE_PSEUDO_SYSCALL, type WaitClass } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { Scale0Buckets } from '../../histogram/quantile.js';
import type { BoundQuery, SliceRange } from './slice-range.js';

const IDLE: WaitClass = 'idle';

export interface LatencySliceFilter {
  readonly service: string;
  readonly syscall?: string | undefined;
  readonly waitClass?: WaitClass | undefined;
}

/**
 * Merged latency histogram per slice. Without a syscall or class it covers
 * the service's non-idle calls (idle threads wait by design) and leaves out
 * run-queue time, which is no call.
 */
export function latencySlicesSql(filter: LatencySliceFilter, range: SliceRange): BoundQuery {
  const params: BoundQuery['params'] = { service: filter.service, ...range };
  const conditions = [
    'ServiceName = {service:String}',
    'Minute >= toDateTime({fromSeconds:UInt32})',
    'Minute < toDateTime({toSeconds:UInt32})',
  ];
  if (filter.syscall !== undefined) {
    conditions.push('Syscall = {syscall:String}');
    params.syscall = filter.syscall;
  } else {
    conditions.push('Syscall != {runQueue:String}');
    params.runQueue = RUN_QUEUE_PSEUDO_SYSCALL;
  }
  if (filter.waitClass !== undefined) {
    conditions.push('WaitClass = {waitClass:String}');
    params.waitClass = filter.waitClass;
  } else if (filter.syscall === undefined) {
    conditions.push('WaitClass != {idle:String}');
    params.idle = IDLE;
  }
  const query = `
    SELECT intDiv(toUInt32(Minute), {sliceSeconds:UInt32}) * {sliceSeconds:UInt32} AS sliceStart,
      sum(Calls) AS calls, max(MaxNs) AS maxNs, sum(ZeroCount) AS zeroCount, sumMap(Buckets) AS buckets
    FROM kernel_syscall_minutely
    WHERE ${conditions.join(' AND ')}
    GROUP BY sliceStart
    ORDER BY sliceStart`;
  return { query, params };
}

export interface LatencySlice {
  readonly startSeconds: number;
  readonly calls: number;
  readonly maxNs: number;
  readonly histogram: Scale0Buckets;
}

interface LatencyRow {
  sliceStart: string;
  calls: string;
  maxNs: number;
  zeroCount: string;
  buckets: [number[], string[]];
}

const JSON_SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const;

export async function queryLatencySlices(client: Store['client'], filter: LatencySliceFilter, range: SliceRange): Promise<LatencySlice[]> {
  const { query, params } = latencySlicesSql(filter, range);
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_SETTINGS });
  return (await result.json<LatencyRow>()).map((row) => ({
    startSeconds: Number(row.sliceStart),
    calls: Number(row.calls),
    maxNs: row.maxNs,
    histogram: { indexes: row.buckets[0], counts: row.buckets[1].map(Number), zeroCount: Number(row.zeroCount) },
  }));
}

/** Per slice: the service's non-idle blocked time, and how many hosts reported any wait (idle included). */
export function blockedSlicesSql(service: string, range: SliceRange): BoundQuery {
  const query = `
    SELECT intDiv(toUInt32(Minute), {sliceSeconds:UInt32}) * {sliceSeconds:UInt32} AS sliceStart,
      sumIf(BlockedNs, WaitClass != {idle:String}) AS blockedNs, uniqExact(HostName) AS hosts
    FROM kernel_syscall_minutely
    WHERE ServiceName = {service:String}
      AND Minute >= toDateTime({fromSeconds:UInt32}) AND Minute < toDateTime({toSeconds:UInt32})
    GROUP BY sliceStart
    ORDER BY sliceStart`;
  return { query, params: { service, idle: IDLE, ...range } };
}

export interface BlockedSlice {
  readonly startSeconds: number;
  readonly blockedNs: number;
  readonly hosts: number;
}

export async function queryBlockedSlices(client: Store['client'], service: string, range: SliceRange): Promise<BlockedSlice[]> {
  const { query, params } = blockedSlicesSql(service, range);
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: JSON_SETTINGS });
  return (await result.json<{ sliceStart: string; blockedNs: number; hosts: string }>()).map((row) => ({
    startSeconds: Number(row.sliceStart),
    blockedNs: row.blockedNs,
    hosts: Number(row.hosts),
  }));
}
