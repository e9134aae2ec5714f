import type { GoCountsRecord } from '../../src/loader/records.js';

export interface GoroutineFigures {
  serviceName: string;
  /** Goroutines created in the interval. */
  created: number;
  /** Goroutines alive at its end (created minus exited since each process was probed). */
  live: number;
}

/**
 * The kernel's cumulative per-process goroutine counters as per-interval
 * creations and live goroutines, grouped by service. A process that exited
 * counts no live goroutines; goroutines started before the probes (runtime
 * init's, or all of a process found already running) are not known, so live
 * counts from the probing on and never below zero.
 */
export class GoroutineCounts {
  private previous = new Map<number, bigint>();

  next(records: readonly GoCountsRecord[], serviceOf: (tgid: number) => string, alive: (tgid: number) => boolean): GoroutineFigures[] {
    const current = new Map<number, bigint>();
    const byService = new Map<string, GoroutineFigures>();
    for (const record of records) {
      current.set(record.tgid, record.created);
      const before = this.previous.get(record.tgid);
      // A counter that went down belongs to a new process under a reused pid: count it whole.
      const created = Number(before === undefined || record.created < before ? record.created : record.created - before);
      const live = alive(record.tgid) ? Math.max(0, Number(record.created - record.exited)) : 0;
      const serviceName = serviceOf(record.tgid);
      const figures = byService.get(serviceName) ?? { serviceName, created: 0, live: 0 };
      figures.created += created;
      figures.live += live;
      byService.set(serviceName, figures);
    }
    this.previous = current;
    return [...byService.values()];
  }
}
