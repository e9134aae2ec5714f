/** Merged scale-0 exponential-histogram buckets: index i counts values in (2^i, 2^(i+1)]. */
export interface Scale0Buckets {
  readonly indexes: readonly number[];
  readonly counts: readonly number[];
  /** Values at (or rounding to) zero. */
  readonly zeroCount: number;
}

/**
 * The q-quantile (0..1) of a scale-0 histogram, interpolating linearly inside
 * the bucket that holds the q·total-th value; 0 for an empty histogram. The
 * result is in the histogram's unit (ns for syscall.duration).
 */
export function quantileFromScale0Buckets(histogram: Scale0Buckets, quantile: number): number {
  if (!(quantile >= 0 && quantile <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${quantile}`);
  const buckets = histogram.indexes
    .map((index, position) => ({ index, count: histogram.counts[position] ?? 0 }))
    .filter((bucket) => bucket.count > 0)
    .sort((a, b) => a.index - b.index);
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, histogram.zeroCount);
  if (total === 0) return 0;
  const rank = quantile * total;
  if (histogram.zeroCount > 0 && rank <= histogram.zeroCount) return 0;
  let below = histogram.zeroCount;
  let upper = 0;
  for (const { index, count } of buckets) {
    const lower = 2 ** index;
    upper = 2 ** (index + 1);
    if (below + count >= rank) return lower + ((upper - lower) * (rank - below)) / count;
    below += count;
  }
  // Only reachable through floating-point rounding of rank at q = 1.
  return upper;
}
