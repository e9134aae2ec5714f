import type { SyscallHistRecord } from '../loader/records.js';

/** One interval's worth of syscall latencies of one (service, syscall), in scale-0 buckets. */
export interface SyscallLatencyDelta {
  serviceName: string;
  syscallName: string;
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
  deltas: SyscallLatencyDelta[];
  /** Processes whose counters vanished from the kernel map: they exited. */
  exitedTgids: number[];
}

interface Cumulative {
  count: bigint;
  sumNs: bigint;
}

const keyOf = (record: SyscallHistRecord): string => `${record.tgid}:${record.syscallNr}:${record.bucket}`;

/**
 * Turns the kernel's cumulative per-(tgid, syscall, bucket) counters into
 * per-interval deltas grouped by (service, syscall). Keyed by service, not pid,
 * so short-lived processes do not multiply series.
 */
export class SyscallHistogramDeltas {
  private previous = new Map<string, Cumulative>();
  private previousTgids = new Set<number>();

  /**
   * @param records every histogram record of one snapshot
   * @param nameOf  service and syscall names of a record
   */
  next(
    records: readonly SyscallHistRecord[],
    nameOf: (record: SyscallHistRecord) => { serviceName: string; syscallName: string },
  ): SnapshotDeltas {
    const current = new Map<string, Cumulative>();
    const tgids = new Set<number>();
    const grouped = new Map<string, SyscallLatencyDelta & { maxBucket: number }>();
    for (const record of records) {
      const key = keyOf(record);
      tgids.add(record.tgid);
      current.set(key, { count: record.count, sumNs: record.sumNs });
      const before = this.previous.get(key);
      // A counter that went down belongs to a new key (tgid reused): count it whole.
      const reset = before === undefined || record.count < before.count;
      const count = Number(reset ? record.count : record.count - before.count);
      if (count === 0) continue;
      const sumNs = Number(reset ? record.sumNs : record.sumNs - before.sumNs);
      const names = nameOf(record);
      const groupKey = `${names.serviceName}\0${names.syscallName}`;
      let delta = grouped.get(groupKey);
      if (!delta) {
        delta = { ...names, count: 0, sumNs: 0, zeroCount: 0, bucketCounts: new Map(), maxNs: 0, maxBucket: -1 };
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
