/**
 * The per-minute and per-hour syscall rollups (migrations 0014, 0015): which
 * one a query reads, its time column and its resolution.
 */
export interface Rollup {
  readonly name: '1m' | '1h';
  readonly table: string;
  readonly timeColumn: string;
  readonly resolutionSeconds: number;
}

export const MINUTE_ROLLUP: Rollup = { name: '1m', table: 'kernel_syscall_rollup_1m', timeColumn: 'Minute', resolutionSeconds: 60 };
export const HOUR_ROLLUP: Rollup = { name: '1h', table: 'kernel_syscall_rollup_1h', timeColumn: 'Hour', resolutionSeconds: 3_600 };

/**
 * The longest window read from the per-minute rollup. Measured with
 * bench/query.mjs (docs/benchmarks.md): a fleet's minute rows for a whole day
 * take far longer to read than its hour rows, and a day's leading partial
 * hour matters little, so windows past 6 h read hours.
 */
export const MINUTE_ROLLUP_MAX_WINDOW_SECONDS = 6 * 3_600;

export const rollupForWindow = (windowSeconds: number): Rollup =>
  windowSeconds <= MINUTE_ROLLUP_MAX_WINDOW_SECONDS ? MINUTE_ROLLUP : HOUR_ROLLUP;

/**
 * The condition selecting the window from a rollup, the window bound as
 * windowSeconds. The hourly rollup starts at the hour holding the window's
 * start: up to one hour more than asked for, said in the API docs.
 */
export function windowCondition(rollup: Rollup): string {
  const start = rollup === MINUTE_ROLLUP ? 'toStartOfMinute' : 'toStartOfHour';
  return `${rollup.timeColumn} >= ${start}(now() - toIntervalSecond({windowSeconds:UInt32}))`;
}
