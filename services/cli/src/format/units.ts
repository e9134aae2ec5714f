// Numbers as an SRE reads them in a table: durations in s, ms or µs with three
// significant digits, counts with thousands separators.

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Three significant digits, without the trailing zeros toPrecision keeps; whole numbers from 100 up. */
function threeDigits(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

/** A duration in seconds as `1.23 s`, `45.6 ms` or `789 µs`; `0` for nothing. */
export function formatSeconds(seconds: number): string {
  if (seconds === 0) return '0';
  if (seconds >= 1) return `${threeDigits(seconds)} s`;
  if (seconds >= 1e-3) return `${threeDigits(seconds * 1e3)} ms`;
  return `${threeDigits(seconds * 1e6)} µs`;
}

/** A duration given in milliseconds (the API's p50Ms, maxMs...), in the same units. */
export function formatMilliseconds(ms: number): string {
  return formatSeconds(ms / 1e3);
}

/** A count with thousands separators: 48,211. */
export function formatCount(count: number): string {
  return counts.format(count);
}

/** A share (0.9987) as a percentage with `digits` decimals; `no data` for null. */
export function formatPercent(share: number | null, digits = 2): string {
  return share === null ? 'no data' : `${(share * 100).toFixed(digits)}%`;
}

/** A window in seconds as the API writes windows: 300 -> 5m, 3600 -> 1h, 259200 -> 3d. */
export function formatWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
