const NS_PER_MS = 1e6;

/** 1.48 ms, 23.7 ms, 2.1 s: three significant digits at most. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${trim(ms / 1000)} s`;
  if (ms >= 1) return `${trim(ms)} ms`;
  if (ms >= 0.001) return `${trim(ms * 1000)} µs`;
  return `${trim(ms * 1e6)} ns`;
}

export const formatSeconds = (seconds: number): string => formatMs(seconds * 1000);
export const formatNs = (ns: number): string => formatMs(ns / NS_PER_MS);

function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

export const formatCount = (value: number): string => value.toLocaleString('en-US');

export const formatPercent = (share: number | null): string => (share === null ? '–' : `${trim(share * 100)}%`);

/** A scale-0 bucket i holds durations in (2^i, 2^(i+1)] ns. */
export const bucketUpperNs = (bucket: number): number => 2 ** (bucket + 1);
export const bucketLabel = (bucket: number): string => `≤ ${formatNs(bucketUpperNs(bucket))}`;

/** The windows offered; the API takes any of 5m..30d. */
export const WINDOWS = ['5m', '15m', '1h', '6h', '24h', '7d', '30d'] as const;

const SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

export function windowSeconds(window: string): number {
  const unit = window.at(-1) as keyof typeof SECONDS;
  return Number(window.slice(0, -1)) * (SECONDS[unit] ?? 60);
}

/**
 * A step giving about 60 points: whole minutes up to 6 h (the per-minute
 * rollup), whole hours beyond (the per-hour rollup), as the API requires.
 */
export function stepFor(window: string): string {
  const seconds = windowSeconds(window);
  if (seconds <= 6 * 3600) return `${Math.max(1, Math.ceil(seconds / 60 / 60))}m`;
  return `${Math.max(1, Math.ceil(seconds / 3600 / 60))}h`;
}
