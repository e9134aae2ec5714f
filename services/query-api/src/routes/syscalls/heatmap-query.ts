import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../../access/principal.js';
import type { QueryApiConfig } from '../../config.js';
import type { Rollup } from '../../store/rollup.js';
import { queryRows, type BoundQuery } from '../../store/run-query.js';
import { syscallConditions, type SyscallFilter } from './filters.js';
import { isoTime, stepStart, stepStarts } from './series-query.js';

export function heatmapSql(filter: SyscallFilter, stepSeconds: number, scope: ServiceScope, rollup: Rollup): BoundQuery {
  const conditions = syscallConditions(filter, scope, rollup);
  const query = `
    SELECT stepStart, bucket, sum(count) AS calls
    FROM (
      SELECT ${stepStart(rollup)} AS stepStart, Buckets.1 AS indexes, Buckets.2 AS counts
      FROM ${rollup.table}
      WHERE ${conditions.toSql()}
    )
    ARRAY JOIN indexes AS bucket, counts AS count
    GROUP BY stepStart, bucket
    ORDER BY stepStart, bucket`;
  return { query, params: { ...conditions.params, stepSeconds } };
}

export interface Heatmap {
  /** Step starts, ISO 8601 UTC, one per column. */
  times: string[];
  /** Scale-0 bucket indexes, one per row: bucket i holds durations in (2^i, 2^(i+1)] ns. */
  buckets: number[];
  /** counts[t][b]: calls of step times[t] in bucket buckets[b]. */
  counts: number[][];
}

/** Calls per (step, log2 latency bucket), every bucket seen in the window from the lowest to the highest. */
export async function queryHeatmap(
  client: Store['client'],
  filter: SyscallFilter,
  stepSeconds: number,
  scope: ServiceScope,
  rollup: Rollup,
  limits: QueryApiConfig,
): Promise<Heatmap> {
  const rows = await queryRows<{ stepStart: string; bucket: number; calls: string }>(
    client,
    heatmapSql(filter, stepSeconds, scope, rollup),
    limits,
  );
  const starts = stepStarts(filter.windowSeconds, stepSeconds, Math.floor(Date.now() / 1000));
  for (const row of rows) if (!starts.includes(Number(row.stepStart))) starts.push(Number(row.stepStart));
  starts.sort((a, b) => a - b);
  const seen = rows.map((row) => row.bucket);
  const lowest = Math.min(...seen);
  const buckets = seen.length === 0 ? [] : Array.from({ length: Math.max(...seen) - lowest + 1 }, (_, offset) => lowest + offset);
  const column = new Map(starts.map((start, index) => [start, index]));
  const counts = starts.map(() => buckets.map(() => 0));
  for (const row of rows) {
    const line = counts[column.get(Number(row.stepStart)) ?? -1];
    if (line) line[row.bucket - lowest] = Number(row.calls);
  }
  return { times: starts.map(isoTime), buckets, counts };
}
