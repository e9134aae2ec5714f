import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../../access/principal.js';
import type { QueryApiConfig } from '../../config.js';
import { quantileFromScale0Buckets } from '../../histogram/quantile.js';
import { hostsExpression, rollupForWindow, type Rollup } from '../../store/rollup.js';
import { queryRows, type BoundQuery } from '../../store/run-query.js';
import { filtersByHost, syscallConditions, type SyscallFilter } from './filters.js';

export const TOP_SYSCALLS_DIMENSIONS = ['service', 'host', 'container', 'syscall', 'waitClass'] as const;
export type TopSyscallsDimension = (typeof TOP_SYSCALLS_DIMENSIONS)[number];

type RowKey = 'service' | 'host' | 'container' | 'syscall' | 'waitClass';

/**
 * The rollup columns each dimension groups by, as output names. SQL text comes
 * only from this fixed map, keyed by the validated enum; every user value is a
 * bound parameter. Rows are per (dimension, syscall, wait class), or per
 * (syscall, wait class) by syscall, or per wait class alone.
 */
const groupColumnsOf: Record<TopSyscallsDimension, readonly (readonly [column: string, key: RowKey])[]> = {
  service: [['ServiceName', 'service'], ['Syscall', 'syscall'], ['WaitClass', 'waitClass']],
  host: [['HostName', 'host'], ['Syscall', 'syscall'], ['WaitClass', 'waitClass']],
  container: [['ContainerId', 'container'], ['Syscall', 'syscall'], ['WaitClass', 'waitClass']],
  syscall: [['Syscall', 'syscall'], ['WaitClass', 'waitClass']],
  waitClass: [['WaitClass', 'waitClass']],
};

export interface TopSyscallsFilter extends SyscallFilter {
  by: TopSyscallsDimension;
  limit: number;
}

export function topSyscallsSql(filter: TopSyscallsFilter, scope: ServiceScope, rollup: Rollup): BoundQuery {
  const conditions = syscallConditions(filter, scope, rollup);
  const groups = groupColumnsOf[filter.by];
  const selected = groups.map(([column, key]) => `${column} AS ${key}`).join(', ');
  const grouped = groups.map(([, key]) => key).join(', ');
  const query = `
    SELECT ${selected},
      sum(Calls) AS calls, sum(BlockedNs) AS blockedNs, max(MaxNs) AS maxNs,
      sum(ZeroCount) AS zeroCount, sumMap(Buckets) AS buckets, ${hostsExpression(rollup)} AS hosts
    FROM ${rollup.table}
    WHERE ${conditions.toSql()}
    GROUP BY ${grouped}
    ORDER BY blockedNs DESC, calls DESC, ${grouped}
    LIMIT {limit:UInt32}`;
  return { query, params: { ...conditions.params, limit: filter.limit } };
}

/** One ranked group: the keys of its dimension, then its figures. */
export interface TopSyscallRow {
  service?: string;
  host?: string;
  container?: string;
  syscall?: string;
  waitClass: string;
  calls: number;
  blockedSeconds: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  hosts: number;
}

/** A result row; 64-bit integers arrive as strings (output_format_json_quote_64bit_integers). */
type RollupRow = Partial<Record<RowKey, string>> & {
  waitClass: string;
  calls: string;
  blockedNs: number;
  maxNs: number;
  zeroCount: string;
  buckets: [number[], string[]];
  hosts: string;
};

const NS_PER_MS = 1e6;
const NS_PER_SECOND = 1e9;

function toTopSyscallRow(row: RollupRow, by: TopSyscallsDimension): TopSyscallRow {
  const [indexes, counts] = row.buckets;
  const histogram = { indexes, counts: counts.map(Number), zeroCount: Number(row.zeroCount) };
  // The interpolated value can overshoot inside the last bucket; no quantile exceeds the max.
  const quantileMs = (quantile: number): number => {
    const ns = quantileFromScale0Buckets(histogram, quantile);
    return (row.maxNs > 0 ? Math.min(ns, row.maxNs) : ns) / NS_PER_MS;
  };
  const keys: Partial<Record<RowKey, string>> = {};
  for (const [, key] of groupColumnsOf[by]) keys[key] = row[key] ?? '';
  return {
    ...keys,
    waitClass: row.waitClass,
    calls: Number(row.calls),
    blockedSeconds: row.blockedNs / NS_PER_SECOND,
    p50Ms: quantileMs(0.5),
    p90Ms: quantileMs(0.9),
    p99Ms: quantileMs(0.99),
    maxMs: row.maxNs / NS_PER_MS,
    hosts: Number(row.hosts),
  };
}

/** The rollup for the window, per host only when the filter or the grouping names hosts or containers. */
export const rollupForTop = (filter: TopSyscallsFilter): Rollup =>
  rollupForWindow(filter.windowSeconds, filtersByHost(filter) || filter.by === 'host' || filter.by === 'container');

/**
 * Top blocked groups from the rollup the window calls for (fleet-level unless
 * grouped or filtered by host or container; tests pin one to compare them),
 * most blocked time first. Buckets are summed across hosts before any quantile is taken, so
 * quantiles are of the fleet's calls, not averages of per-host quantiles.
 */
export async function queryTopSyscalls(
  client: Store['client'],
  filter: TopSyscallsFilter,
  scope: ServiceScope,
  limits: QueryApiConfig,
  rollup: Rollup = rollupForTop(filter),
): Promise<{ rollup: Rollup; rows: TopSyscallRow[] }> {
  const rows = await queryRows<RollupRow>(client, topSyscallsSql(filter, scope, rollup), limits);
  return { rollup, rows: rows.map((row) => toTopSyscallRow(row, filter.by)) };
}
