/** A stretch of time in unix seconds, end exclusive. */
export interface TimeRange {
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

/**
 * SQL condition: `column` falls in one of the ranges (bound as two arrays),
 * plus the overall bounds so the partition and primary-key filters still apply.
 */
export function inRangesCondition(column: string, ranges: readonly TimeRange[]): { condition: string; params: Record<string, number | number[]> } {
  const fromSeconds = Math.min(...ranges.map((range) => range.fromSeconds));
  const toSeconds = Math.max(...ranges.map((range) => range.toSeconds));
  return {
    condition: `${column} >= toDateTime({rangesFrom:UInt32}) AND ${column} < toDateTime({rangesTo:UInt32})
      AND arrayExists((rangeFrom, rangeTo) -> toUInt32(${column}) >= rangeFrom AND toUInt32(${column}) < rangeTo,
        {rangeStarts:Array(UInt32)}, {rangeEnds:Array(UInt32)})`,
    params: {
      rangesFrom: fromSeconds,
      rangesTo: toSeconds,
      rangeStarts: ranges.map((range) => range.fromSeconds),
      rangeEnds: ranges.map((range) => range.toSeconds),
    },
  };
}

/** Joins touching or overlapping ranges (input in time order). */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const merged: TimeRange[] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range.fromSeconds <= last.toSeconds) merged[merged.length - 1] = { fromSeconds: last.fromSeconds, toSeconds: Math.max(last.toSeconds, range.toSeconds) };
    else merged.push(range);
  }
  return merged;
}
