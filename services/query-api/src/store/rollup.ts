/**
 * The syscall rollups: per minute and per hour, each per host (migrations
 * 0014, 0015: host, container and wait-class rule in the key) or fleet-level
 * (migration 0050: none of them, the set of hosts kept as a uniqExact state).
 * Which one a query reads, its time column and its resolution.
 */
export interface Rollup {
  readonly name: '1m' | '1h';
  readonly table: string;
  readonly timeColumn: string;
  readonly resolutionSeconds: number;
  /** Rows per host (HostName, ContainerId columns); false: one row per service, syscall and wait class. */
  readonly perHost: boolean;
}

export const MINUTE_ROLLUP: Rollup = { name: '1m', table: 'kernel_syscall_rollup_1m', timeColumn: 'Minute', resolutionSeconds: 60, perHost: true };
export const HOUR_ROLLUP: Rollup = { name: '1h', table: 'kernel_syscall_rollup_1h', timeColumn: 'Hour', resolutionSeconds: 3_600, perHost: true };
export const FLEET_MINUTE_ROLLUP: Rollup = { name: '1m', table: 'kernel_syscall_fleet_1m', timeColumn: 'Minute', resolutionSeconds: 60, perHost: false };
export const FLEET_HOUR_ROLLUP: Rollup = { name: '1h', table: 'kernel_syscall_fleet_1h', timeColumn: 'Hour', resolutionSeconds: 3_600, perHost: false };

/**
 * The longest window read from the per-minute rollup. Measured with
 * bench/query.mjs (docs/benchmarks.md): a fleet's minute rows for a whole day
 * take far longer to read than its hour rows, and a day's leading partial
 * hour matters little, so windows past 6 h read hours.
 */
export const MINUTE_ROLLUP_MAX_WINDOW_SECONDS = 6 * 3_600;

/**
 * The rollup for the window: minutes up to 6 h, hours beyond; the fleet-level
 * one unless the query filters or groups by host or container.
 */
export function rollupForWindow(windowSeconds: number, needsHost: boolean): Rollup {
  const minutes = windowSeconds <= MINUTE_ROLLUP_MAX_WINDOW_SECONDS;
  if (needsHost) return minutes ? MINUTE_ROLLUP : HOUR_ROLLUP;
  return minutes ? FLEET_MINUTE_ROLLUP : FLEET_HOUR_ROLLUP;
}

/** The number of distinct hosts behind a group of the rollup's rows. */
export const hostsExpression = (rollup: Rollup): string => (rollup.perHost ? 'uniqExact(HostName)' : 'uniqExactMerge(Hosts)');

/**
 * The condition selecting the window from a rollup, the window bound as
 * windowSeconds. The hourly rollup starts at the hour holding the window's
 * start: up to one hour more than asked for, said in the API docs.
 */
export function windowCondition(rollup: Rollup): string {
  const start = `${rollup.resolutionSeconds === 60 ? 'toStartOfMinute' : 'toStartOfHour'}(now() - toIntervalSecond({windowSeconds:UInt32}))`;
  // The sort keys start with the hour (minute tables) or the day (hour tables)
  // of the time column. The engine does not carry a bound on the column over
  // to that expression, so without the same bound on it the primary index
  // skips nothing: a day out of a week of hour rows read the whole week.
  const keyPrefix = rollup.resolutionSeconds === 60 ? 'toStartOfHour' : 'toStartOfDay';
  return `${rollup.timeColumn} >= ${start} AND ${keyPrefix}(${rollup.timeColumn}) >= ${keyPrefix}(${start})`;
}
