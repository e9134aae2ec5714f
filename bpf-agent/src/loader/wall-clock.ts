/** A (monotonic, realtime) pair the loader read together. */
export interface ClockPair {
  monotonicNs: bigint;
  realtimeNs: bigint;
}

/**
 * Kernel timestamps are monotonic; spans need Unix time. The conversion uses
 * the latest pair the loader read (its hello, then every snapshot end), not
 * the first: the wall clock can be stepped (NTP, a virtual machine paused or
 * migrated) while monotonic time is not, and a pair taken once would put every
 * later kernel span off by the step, outside the application spans it belongs
 * under.
 */
export class WallClock {
  #pair: ClockPair | undefined;

  observe(pair: ClockPair): void {
    this.#pair = { monotonicNs: pair.monotonicNs, realtimeNs: pair.realtimeNs };
  }

  toUnixNs(monotonicNs: bigint): bigint {
    if (!this.#pair) throw new Error('loader record before hello');
    return this.#pair.realtimeNs + (monotonicNs - this.#pair.monotonicNs);
  }
}
