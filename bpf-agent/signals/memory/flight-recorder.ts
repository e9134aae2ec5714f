/** One sample of a process's memory activity: a kernel slot's counts, or an RSS reading from /proc. */
export interface FlightSample {
  /** Wall clock ns at the sample's start (a slot) or its reading (RSS). */
  timeUnixNs: bigint;
  /** A kernel slot's length; 0 for an RSS reading. */
  durationMs: number;
  faults: number;
  mmapBytes: number;
  munmapBytes: number;
  brkBytes: number;
  /** Set on RSS readings only. */
  rssBytes?: number;
}

/** What the recorder knows of a process besides its samples: read while it was alive. */
export interface RecordedProcess {
  serviceName: string;
  /** Its memory cgroup path, read at first sight and again at each /proc reading. */
  cgroup: string | undefined;
  samples: FlightSample[];
}

export interface FlightRecorderOptions {
  /** How far back a dump reaches. */
  windowMs: number;
  /** Processes recorded at once; the least recently active goes first. */
  maxProcesses: number;
  /** Bound of one process's samples, whatever their rate. */
  maxSamplesPerProcess: number;
}

const NS_PER_MS = 1_000_000n;
const endOf = (sample: FlightSample) => sample.timeUnixNs + BigInt(sample.durationMs) * NS_PER_MS;

/**
 * Per process, the last `windowMs` of memory samples in a bounded ring, as a
 * JFR-style event ring: nothing is sent until something asks for the past
 * (an OOM kill, a threshold crossed). Memory is bounded twice: samples per
 * process and processes (LRU, by the Map's insertion order).
 */
export class FlightRecorder {
  private readonly processes = new Map<number, RecordedProcess>();

  constructor(private readonly options: FlightRecorderOptions) {}

  get size(): number {
    return this.processes.size;
  }

  /** The process's entry, created (and the least recently active evicted) when new; marked most recent. */
  touch(tgid: number, identify: () => { serviceName: string; cgroup: string | undefined }): RecordedProcess {
    let entry = this.processes.get(tgid);
    if (entry) {
      this.processes.delete(tgid);
    } else {
      entry = { ...identify(), samples: [] };
      if (this.processes.size >= this.options.maxProcesses) {
        const oldest = this.processes.keys().next().value;
        if (oldest !== undefined) this.processes.delete(oldest);
      }
    }
    this.processes.set(tgid, entry);
    return entry;
  }

  get(tgid: number): RecordedProcess | undefined {
    return this.processes.get(tgid);
  }

  add(entry: RecordedProcess, sample: FlightSample): void {
    const samples = entry.samples;
    // Slots arrive in order per snapshot but an RSS reading may sort before the last slot.
    let at = samples.length;
    while (at > 0 && samples[at - 1]!.timeUnixNs > sample.timeUnixNs) at--;
    samples.splice(at, 0, sample);
    const newest = samples.at(-1)!.timeUnixNs;
    const oldestKept = newest - BigInt(this.options.windowMs) * NS_PER_MS;
    let drop = 0;
    while (drop < samples.length && endOf(samples[drop]!) <= oldestKept) drop++;
    drop = Math.max(drop, samples.length - this.options.maxSamplesPerProcess);
    if (drop > 0) samples.splice(0, drop);
  }

  /** The samples of the window before `atUnixNs` (inclusive of the slot holding it). */
  dump(tgid: number, atUnixNs: bigint): FlightSample[] {
    const entry = this.processes.get(tgid);
    if (!entry) return [];
    const from = atUnixNs - BigInt(this.options.windowMs) * NS_PER_MS;
    return entry.samples.filter((s) => endOf(s) > from && s.timeUnixNs <= atUnixNs);
  }

  forget(tgid: number): void {
    this.processes.delete(tgid);
  }
}
