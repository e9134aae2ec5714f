/** Merged scale-0 exponential-histogram buckets: index i counts values in (2^i, 2^(i+1)]. */
export interface Scale0Buckets {
  readonly indexes: readonly number[];
  readonly counts: readonly number[];
  /** Values at (or rounding to) zero. */
  readonly zeroCount: number;
}

/**
 * The q-quantile (0..1) of a scale-0 histogram; 0 for an empty histogram. The
 * result is in the histogram's unit (ns for syscall.duration). Inside the
 * bucket (2^i, 2^(i+1)] that holds the q·total-th value it interpolates
 * log-linearly, 2^(i + f) for the fraction f of the bucket's count below the
 * rank: latencies spread over orders of magnitude, so a bucket's values are
 * closer to even in log space than in linear space, and the estimate's
 * relative error stays within the bucket's factor of 2 either way.
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
  let upperIndex = 0;
  for (const { index, count } of buckets) {
    upperIndex = index + 1;
    if (below + count >= rank) return 2 ** (index + (rank - below) / count);
    below += count;
  }
  // Only reachable through floating-point rounding of rank at q = 1.
  return 2 ** upperIndex;
}
