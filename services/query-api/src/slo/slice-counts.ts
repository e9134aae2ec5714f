/**
 * Good and total events of one time slice: spans (or calls) for Occurrences;
 * for Timeslices the slice itself is the event (good 0 or 1, total 1).
 * Slices without data are absent: no data is neither good nor bad.
 */
export interface SliceCounts {
  readonly startSeconds: number;
  readonly good: number;
  readonly total: number;
}

export interface EventCounts {
  readonly good: number;
  readonly total: number;
}

/** Sums the slices that start within [fromSeconds, toSeconds). */
export function countsBetween(slices: readonly SliceCounts[], fromSeconds: number, toSeconds: number): EventCounts {
  let good = 0;
  let total = 0;
  for (const slice of slices) {
    if (slice.startSeconds >= fromSeconds && slice.startSeconds < toSeconds) {
      good += slice.good;
      total += slice.total;
    }
  }
  return { good, total };
}

/**
 * The share of events an SLO may fail, 1 - target, rounded to 12 decimals:
 * targets are decimal fractions (0.999) that binary floating point cannot
 * hold, and without rounding 1 - 0.98 is 0.020000000000000018, so a budget
 * spent exactly by half would read 0.49999999999999956.
 */
export function errorBudgetShare(target: number): number {
  return Math.round((1 - target) * 1e12) / 1e12;
}

/** Share of good events; null without events. */
export function complianceOf(counts: EventCounts): number | null {
  return counts.total === 0 ? null : counts.good / counts.total;
}

/** How fast the budget burns: the bad share over the allowed bad share (1 = spent exactly over the SLO window). */
export function burnRateOf(counts: EventCounts, target: number): number | null {
  if (counts.total === 0) return null;
  return (counts.total - counts.good) / counts.total / errorBudgetShare(target);
}

/** Share of the error budget left (negative once overspent); null without events. */
export function budgetRemainingOf(counts: EventCounts, target: number): number | null {
  const burnRate = burnRateOf(counts, target);
  return burnRate === null ? null : 1 - burnRate;
}
