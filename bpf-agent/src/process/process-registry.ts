import { readProcessStartTime } from './proc-reader.js';
import { identifyProcess, readProcessInfo, type ProcessInfo } from './process-info.js';
import type { ServiceRule } from './service-rules.js';

/** Name used for a process that exited before the agent could read /proc. */
export const UNKNOWN_PROCESS: ProcessInfo = {
  serviceName: 'unknown_service',
  executableName: 'unknown',
  containerId: undefined,
};

/** What the kernel's exec event says of the new program. */
export interface ExecFacts {
  /** The path passed to execve; empty when unknown. */
  filename: string;
  comm: string;
  /** The arguments, possibly cut short (see PROCESS_ARGS_LEN); secrets not yet redacted. */
  argv?: readonly string[];
}

interface Entry {
  info: ProcessInfo;
  /** The snapshot generation in which the pid's start time was last checked. */
  checkedInGeneration: number;
  /**
   * Named after its parent at fork, not read: the generation that happened in.
   * Its exec event may be lost (a full ring on a busy host) and it would keep
   * the parent's name for life, so it is read from /proc once, the generation
   * after, if still alive.
   */
  inheritedInGeneration?: number;
}

/**
 * pid -> ProcessInfo. A process must be named while it is alive, yet its final
 * counters arrive after it exited, so:
 *
 * - the kernel's lifecycle events keep names current: onExec re-reads /proc
 *   (the event comes within milliseconds, while even a short-lived child is
 *   alive), onFork gives the child its parent's identity until it execs (no
 *   /proc read per fork on a fork-heavy host; one read a snapshot later for
 *   a child still alive, should its exec event have been lost), onExit keeps
 *   the name until the counters are in (retireExited);
 * - a pid is never taken for the process that held it before: the start time
 *   (/proc/PID/stat field 22) is kept, and compared once per snapshot
 *   generation on look-up; a different one means a new process, read afresh;
 * - memory is bounded: past maxEntries the oldest entries go first.
 *
 * Without lifecycle events (a kernel lacking the tracepoints) look-ups alone
 * still name processes at first sight, as before.
 */
export class ProcessRegistry {
  private readonly byTgid = new Map<number, Entry>();
  /** tgid -> the generation it exited in. */
  private readonly exitedInGeneration = new Map<number, number>();
  private generation = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly read: (tgid: number) => ProcessInfo | undefined = (tgid) => readProcessInfo(tgid),
    private readonly readStartTime: (tgid: number) => number | undefined = (tgid) => readProcessStartTime(tgid),
    private readonly rules: readonly ServiceRule[] = [],
  ) {}

  lookup(tgid: number): ProcessInfo {
    const known = this.byTgid.get(tgid);
    if (known?.inheritedInGeneration !== undefined && known.inheritedInGeneration < this.generation) {
      const read = this.read(tgid);
      if (read === undefined) delete known.inheritedInGeneration;
      else this.remember(tgid, read);
      return read ?? known.info;
    }
    if (known) {
      if (this.stillSameProcess(tgid, known)) return known.info;
      // Another process holds the pid now: the old name must not pass to it.
      this.forget(tgid);
    }
    const info = this.read(tgid);
    // Unknowns are not cached: the next look-up may still find the process.
    if (info === undefined) return UNKNOWN_PROCESS;
    this.remember(tgid, info);
    return info;
  }

  /**
   * The process replaced its program: name it by the new one now, while it is
   * surely alive. Gone already (it lived less than the event took to arrive):
   * named from what the kernel said at exec, never after the program it replaced.
   */
  onExec(tgid: number, atExec?: ExecFacts): void {
    const read = this.read(tgid);
    // A process already exiting (or a zombie) still has /proc/PID, but no exe
    // link and no command line: only its comm, cut at 15 bytes. The exec event names it whole.
    const exiting = read !== undefined && read.executablePath === undefined && read.commandLine === undefined;
    const info = atExec && (read === undefined || exiting) ? (this.identifyAtExec(atExec) ?? read) : read;
    if (info !== undefined) this.remember(tgid, info);
  }

  /** A new process: until it execs it runs its parent's program, under its parent's name. */
  onFork(parentTgid: number, childTgid: number): void {
    const parent = this.lookup(parentTgid);
    if (parent === UNKNOWN_PROCESS) {
      this.lookup(childTgid);
      return;
    }
    this.remember(childTgid, { ...parent, startTimeTicks: this.readStartTime(childTgid) });
    this.byTgid.get(childTgid)!.inheritedInGeneration = this.generation;
  }

  /** Kept until retireExited has seen a whole snapshot after the exit: its last counters are in that one. */
  onExit(tgid: number): void {
    if (this.byTgid.has(tgid)) this.exitedInGeneration.set(tgid, this.generation);
  }

  /**
   * Call after each snapshot is consumed. A process that exited during the
   * generation before the one just ended is dropped; one that exited during it
   * stays for one more, since the snapshot may have been read before its last
   * counters were.
   */
  retireExited(): void {
    this.generation++;
    for (const [tgid, exitedIn] of this.exitedInGeneration) {
      if (exitedIn < this.generation - 1) this.forget(tgid);
    }
  }

  forget(tgid: number): void {
    this.byTgid.delete(tgid);
    this.exitedInGeneration.delete(tgid);
  }

  get size(): number {
    return this.byTgid.size;
  }

  /** The argv goes through the same redaction as a /proc read's. */
  private identifyAtExec(atExec: ExecFacts): ProcessInfo | undefined {
    return identifyProcess(
      {
        exeLink: atExec.filename || undefined,
        comm: atExec.comm,
        argv: atExec.argv ?? [],
        environ: [],
        cgroup: undefined,
        cwd: undefined,
        startTimeTicks: undefined,
      },
      this.rules,
    );
  }

  private stillSameProcess(tgid: number, entry: Entry): boolean {
    if (entry.checkedInGeneration === this.generation) return true;
    const startTimeTicks = this.readStartTime(tgid);
    // Gone: the name is the dead process's, which its last counters need.
    if (startTimeTicks === undefined) return true;
    if (startTimeTicks !== entry.info.startTimeTicks) return false;
    entry.checkedInGeneration = this.generation;
    return true;
  }

  private remember(tgid: number, info: ProcessInfo): void {
    // Re-inserted, so that eviction order follows the latest (re)naming.
    this.forget(tgid);
    if (this.byTgid.size >= this.maxEntries) {
      const oldest = this.byTgid.keys().next();
      if (!oldest.done) this.forget(oldest.value);
    }
    this.byTgid.set(tgid, { info, checkedInGeneration: this.generation });
  }
}
