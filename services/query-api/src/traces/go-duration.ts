// Durations as Go's time.ParseDuration reads them ("10ms", "1.5s", "1h30m"),
// the format of Jaeger's minDuration and maxDuration parameters.

const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3_600e9 };

/** One or more number-unit pairs, e.g. 300ms, 1.5h, 2h45m. */
export const GO_DURATION_PATTERN = '^(\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))*$';

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Nanoseconds of a duration matching GO_DURATION_PATTERN (rounded to whole ns). */
export function goDurationNs(text: string): bigint {
  let ns = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ns += Number(amount) * (NS_PER_UNIT[unit!] ?? 0);
  return BigInt(Math.round(ns));
}
