import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../../access/principal.js';
import type { QueryApiConfig } from '../../config.js';
import type { Rollup } from '../../store/rollup.js';
import { queryRows, type BoundQuery } from '../../store/run-query.js';
import { syscallConditions, type SyscallFilter } from './filters.js';

/** The start of the step holding the rollup row's time, in UTC seconds since the epoch. */
export const stepStart = (rollup: Rollup): string =>
  `intDiv(toUInt32(${rollup.timeColumn}), {stepSeconds:UInt32}) * {stepSeconds:UInt32}`;

export function seriesSql(filter: SyscallFilter, stepSeconds: number, scope: ServiceScope, rollup: Rollup): BoundQuery {
  const conditions = syscallConditions(filter, scope, rollup);
  const query = `
    SELECT ${stepStart(rollup)} AS stepStart, sum(Calls) AS calls, sum(BlockedNs) AS blockedNs
    FROM ${rollup.table}
    WHERE ${conditions.toSql()}
    GROUP BY stepStart
    ORDER BY stepStart`;
  return { query, params: { ...conditions.params, stepSeconds } };
}

export interface SeriesPoint {
  time: string;
  calls: number;
  blockedSeconds: number;
}

/**
 * Every step start from the one holding the window's start to the one holding
 * now, so a series has a point (possibly zero) per step.
 */
export function stepStarts(windowSeconds: number, stepSeconds: number, nowSeconds: number): number[] {
  const first = Math.floor((nowSeconds - windowSeconds) / stepSeconds) * stepSeconds;
  const starts: number[] = [];
  for (let start = first; start <= nowSeconds; start += stepSeconds) starts.push(start);
  return starts;
}

const NS_PER_SECOND = 1e9;
export const isoTime = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** Calls and blocked seconds per step, zero where nothing was recorded. */
export async function querySeries(
  client: Store['client'],
  filter: SyscallFilter,
  stepSeconds: number,
  scope: ServiceScope,
  rollup: Rollup,
  limits: QueryApiConfig,
): Promise<SeriesPoint[]> {
  const rows = await queryRows<{ stepStart: string; calls: string; blockedNs: number }>(
    client,
    seriesSql(filter, stepSeconds, scope, rollup),
    limits,
  );
  const byStart = new Map(rows.map((row) => [Number(row.stepStart), row]));
  const nowSeconds = Math.floor(Date.now() / 1000);
  const starts = stepStarts(filter.windowSeconds, stepSeconds, nowSeconds);
  // A row past the last start (the store's clock ahead of ours) still counts.
  for (const start of byStart.keys()) if (!starts.includes(start)) starts.push(start);
  return starts
    .sort((a, b) => a - b)
    .map((start) => {
      const row = byStart.get(start);
      return { time: isoTime(start), calls: Number(row?.calls ?? 0), blockedSeconds: (row?.blockedNs ?? 0) / NS_PER_SECOND };
    });
}
