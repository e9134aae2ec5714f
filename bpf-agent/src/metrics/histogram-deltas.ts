import type { HistogramCounters } from '../loader/records.js';

/** Where a kernel histogram entry's counts go: a service and low-cardinality point attributes. */
export interface HistogramGroup {
  serviceName: string;
  attributes: Readonly<Record<string, string>>;
}

/** One interval's worth of latencies of one group, in scale-0 buckets. */
export interface HistogramDelta extends HistogramGroup {
  count: number;
  sumNs: number;
  /** Durations of 0..1 ns (kernel bucket 0). */
  zeroCount: number;
  /** Exponential-histogram index (scale 0) -> count; index i holds (2^i, 2^(i+1)] ns. */
  bucketCounts: Map<number, number>;
  /** Largest duration seen in the highest bucket this interval touched (exact up to that bucket). */
  maxNs: number;
}

export interface SnapshotDeltas {
  deltas: HistogramDelta[];
  /** Processes whose counters vanished from the kernel map: they exited. */
  exitedTgids: number[];
}

interface Cumulative {
  count: bigint;
  sumNs: bigint;
}

/**
 * Turns a kernel map's cumulative per-key counters into per-interval deltas
 * grouped by (service, attributes). Grouped by service, not pid, so short-lived
 * processes do not multiply series.
 */
export class HistogramDeltas<R extends HistogramCounters> {
  private previous = new Map<string, Cumulative>();
  private previousTgids = new Set<number>();

  /** @param keyOf the kernel map key of a record, as a string */
  constructor(private readonly keyOf: (record: R) => string) {}

  /**
   * @param records every record of one snapshot of the map
   * @param groupOf the group a record's counts go to; undefined holds them
   *   back (they go out, all of them, in the interval that first names a group)
   */
  next(records: readonly R[], groupOf: (record: R) => HistogramGroup | undefined): SnapshotDeltas {
    const current = new Map<string, Cumulative>();
    const tgids = new Set<number>();
    const grouped = new Map<string, HistogramDelta & { maxBucket: number }>();
    for (const record of records) {
      const key = this.keyOf(record);
      tgids.add(record.tgid);
      const before = this.previous.get(key);
      const group = groupOf(record);
      if (group === undefined) {
        // Held back: the baseline stays, so the next delta carries these counts too.
        current.set(key, before ?? { count: 0n, sumNs: 0n });
        continue;
      }
      current.set(key, { count: record.count, sumNs: record.sumNs });
      // A counter that went down belongs to a new key (tgid reused): count it whole.
      const reset = before === undefined || record.count < before.count;
      const count = Number(reset ? record.count : record.count - before.count);
      if (count === 0) continue;
      const sumNs = Number(reset ? record.sumNs : record.sumNs - before.sumNs);
      const groupKey = JSON.stringify([group.serviceName, Object.entries(group.attributes).sort()]);
      let delta = grouped.get(groupKey);
      if (!delta) {
        delta = { ...group, count: 0, sumNs: 0, zeroCount: 0, bucketCounts: new Map(), maxNs: 0, maxBucket: -1 };
        grouped.set(groupKey, delta);
      }
      delta.count += count;
      delta.sumNs += sumNs;
      if (record.bucket === 0) delta.zeroCount += count;
      else delta.bucketCounts.set(record.bucket - 1, (delta.bucketCounts.get(record.bucket - 1) ?? 0) + count);
      const maxNs = Number(record.maxNs);
      if (record.bucket > delta.maxBucket || (record.bucket === delta.maxBucket && maxNs > delta.maxNs)) {
        delta.maxBucket = record.bucket;
        delta.maxNs = maxNs;
      }
    }
    const exitedTgids = [...this.previousTgids].filter((tgid) => !tgids.has(tgid));
    this.previous = current;
    this.previousTgids = tgids;
    return {
      deltas: [...grouped.values()].map(({ maxBucket: _maxBucket, ...delta }) => delta),
      exitedTgids,
    };
  }
}
