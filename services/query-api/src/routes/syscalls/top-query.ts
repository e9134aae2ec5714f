import type { Store } from '@stallscope/store';
import type { WaitClass } from '@stallscope/schemas';
import { quantileFromScale0Buckets } from '../../histogram/quantile.js';

export const TOP_SYSCALLS_DIMENSIONS = ['service', 'host', 'syscall'] as const;
export type TopSyscallsDimension = (typeof TOP_SYSCALLS_DIMENSIONS)[number];

/**
 * The rollup column each dimension groups by. SQL text comes only from this
 * fixed map, keyed by the validated enum; every user value is a bound parameter.
 * `syscall` needs no extra column: rows are always per (Syscall, WaitClass).
 */
const groupColumnOf: Record<TopSyscallsDimension, string | undefined> = {
  service: 'ServiceName',
  host: 'HostName',
  syscall: undefined,
};

const IDLE: WaitClass = 'idle';

export interface TopSyscallsFilter {
  windowSeconds: number;
  by: TopSyscallsDimension;
  service?: string | undefined;
  host?: string | undefined;
  waitClass?: WaitClass | undefined;
  includeIdle: boolean;
  limit: number;
}

export interface TopSyscallsSql {
  query: string;
  params: Record<string, string | number>;
}

export function topSyscallsSql(filter: TopSyscallsFilter): TopSyscallsSql {
  const groupColumn = groupColumnOf[filter.by];
  const params: Record<string, string | number> = { windowSeconds: filter.windowSeconds, limit: filter.limit };
  const conditions = ['Minute >= toStartOfMinute(now() - toIntervalSecond({windowSeconds:UInt32}))'];
  if (filter.service !== undefined) {
    conditions.push('ServiceName = {service:String}');
    params.service = filter.service;
  }
  if (filter.host !== undefined) {
    conditions.push('HostName = {host:String}');
    params.host = filter.host;
  }
  if (filter.waitClass !== undefined) {
    conditions.push('WaitClass = {waitClass:String}');
    params.waitClass = filter.waitClass;
  } else if (!filter.includeIdle) {
    // Idle threads (Go netpoller, parked JVM threads) block by design; rank real waits.
    conditions.push('WaitClass != {idleWaitClass:String}');
    params.idleWaitClass = IDLE;
  }
  const dimension = groupColumn ? `${groupColumn} AS dimension, ` : '';
  const groupDimension = groupColumn ? 'dimension, ' : '';
  const query = `
    SELECT ${dimension}Syscall AS syscall, WaitClass AS waitClass,
      sum(Calls) AS calls, sum(BlockedNs) AS blockedNs, max(MaxNs) AS maxNs,
      sum(ZeroCount) AS zeroCount, sumMap(Buckets) AS buckets, uniqExact(HostName) AS hosts
    FROM kernel_syscall_minutely
    WHERE ${conditions.join(' AND ')}
    GROUP BY ${groupDimension}syscall, waitClass
    ORDER BY blockedNs DESC, calls DESC, ${groupDimension}syscall, waitClass
    LIMIT {limit:UInt32}`;
  return { query, params };
}

/** One ranked (dimension, syscall, wait class) group. */
export interface TopSyscallRow {
  service?: string;
  host?: string;
  syscall: string;
  waitClass: string;
  calls: number;
  blockedSeconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  hosts: number;
}

/** A result row; 64-bit integers arrive as strings (output_format_json_quote_64bit_integers). */
interface RollupRow {
  dimension?: string;
  syscall: string;
  waitClass: string;
  calls: string;
  blockedNs: number;
  maxNs: number;
  zeroCount: string;
  buckets: [number[], string[]];
  hosts: string;
}

const NS_PER_MS = 1e6;
const NS_PER_SECOND = 1e9;

function toTopSyscallRow(row: RollupRow, by: TopSyscallsDimension): TopSyscallRow {
  const [indexes, counts] = row.buckets;
  const histogram = { indexes, counts: counts.map(Number), zeroCount: Number(row.zeroCount) };
  // The interpolated value can overshoot inside the last bucket; no quantile exceeds the max.
  const atMostMax = (ns: number): number => (row.maxNs > 0 ? Math.min(ns, row.maxNs) : ns);
  return {
    ...(by === 'service' ? { service: row.dimension ?? '' } : {}),
    ...(by === 'host' ? { host: row.dimension ?? '' } : {}),
    syscall: row.syscall,
    waitClass: row.waitClass,
    calls: Number(row.calls),
    blockedSeconds: row.blockedNs / NS_PER_SECOND,
    p50Ms: atMostMax(quantileFromScale0Buckets(histogram, 0.5)) / NS_PER_MS,
    p99Ms: atMostMax(quantileFromScale0Buckets(histogram, 0.99)) / NS_PER_MS,
    maxMs: row.maxNs / NS_PER_MS,
    hosts: Number(row.hosts),
  };
}

/** Top blocked (dimension, syscall, wait class) groups from the per-minute rollup, most blocked time first. */
export async function queryTopSyscalls(client: Store['client'], filter: TopSyscallsFilter): Promise<TopSyscallRow[]> {
  const { query, params } = topSyscallsSql(filter);
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  const rows = await result.json<RollupRow>();
  return rows.map((row) => toTopSyscallRow(row, filter.by));
}
