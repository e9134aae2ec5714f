import { readProcessInfo, type ProcessInfo } from './process-info.js';

/** Name used for a process that exited before the agent could read /proc. */
export const UNKNOWN_PROCESS: ProcessInfo = {
  serviceName: 'unknown_service',
  executableName: 'unknown',
  containerId: undefined,
};

/**
 * pid -> ProcessInfo, read once at first sight (a process must be named while
 * it is alive: its final counters arrive after it exited). Bounded: the
 * oldest entries go first.
 */
export class ProcessRegistry {
  private readonly byTgid = new Map<number, ProcessInfo>();

  constructor(
    private readonly maxEntries: number,
    private readonly read: (tgid: number) => ProcessInfo | undefined = readProcessInfo,
  ) {}

  lookup(tgid: number): ProcessInfo {
    const known = this.byTgid.get(tgid);
    if (known) return known;
    const info = this.read(tgid) ?? UNKNOWN_PROCESS;
    // Unknowns are not cached: the next look-up may still find the process.
    if (info !== UNKNOWN_PROCESS) {
      if (this.byTgid.size >= this.maxEntries) {
        const oldest = this.byTgid.keys().next();
        if (!oldest.done) this.byTgid.delete(oldest.value);
      }
      this.byTgid.set(tgid, info);
    }
    return info;
  }

  forget(tgid: number): void {
    this.byTgid.delete(tgid);
  }

  get size(): number {
    return this.byTgid.size;
  }
}
