import { statSync } from 'node:fs';
import type { Logger } from '@stallscope/common';
import { GO_MAX_BINARIES, GO_PROBE_FUNCTIONS, type GoProbeFunction } from '@stallscope/schemas';
import { goMinorVersion, readGoBinary, type GoBinary } from './go-binary.js';

/** Which parts of the signal probe their functions. */
export interface GoRuntimeParts {
  /** Stop-the-world pauses and GC cycles. */
  gc: boolean;
  /** Goroutines created and live. */
  goroutines: boolean;
  /** Goroutine parks by wait reason, with stacks: two probes on the scheduler's hottest path. */
  waits: boolean;
}

const PART_FUNCTIONS: Record<keyof GoRuntimeParts, readonly GoProbeFunction[]> = {
  gc: ['runtime.stopTheWorldWithSema', 'runtime.startTheWorldWithSema'],
  goroutines: ['runtime.newproc1', 'runtime.goexit1'],
  waits: ['runtime.gopark', 'runtime.execute'],
};

/** The register ABI (arguments and the current g in registers) came with Go 1.17 on amd64, 1.18 on arm64. */
const MIN_GO_MINOR = 18;
/** Files remembered as not probeable (not Go, too old, stripped): past this, the oldest are forgotten and read again if run again. */
const MAX_UNPROBED_FILES = 10_000;

interface ProbedBinary {
  id: number;
  facts: GoBinary;
  users: Set<number>;
  /** Intervals ended since its last process exited. */
  idleIntervals: number;
}

/**
 * A binary stays probed this many intervals after its last process exits:
 * a build runs the Go compiler hundreds of times, and attaching and detaching
 * uprobes for each run kept the loader from its snapshots.
 */
const LINGER_INTERVALS = 12;

/**
 * Finds the Go executables processes run and has the loader probe each
 * distinct file (device and inode) once, for every process running it; the
 * probes go LINGER_INTERVALS after the last such process exits. A process's
 * runtime reason names come from its own binary.
 */
export class GoProbes {
  /** "dev:ino" -> the binary, or null for a file that is not a probeable Go program. */
  private readonly files = new Map<string, ProbedBinary | null>();
  private unprobedFiles = 0;
  private readonly byTgid = new Map<number, ProbedBinary>();
  /** Exited processes' facts, kept two intervals for their last counters. */
  private exitedNow = new Map<number, GoBinary>();
  private exitedBefore = new Map<number, GoBinary>();
  private readonly freeIds: number[] = Array.from({ length: GO_MAX_BINARIES }, (_, i) => GO_MAX_BINARIES - 1 - i);

  constructor(
    private readonly parts: GoRuntimeParts,
    private readonly command: (line: string) => void,
    private readonly logger: Logger,
    private readonly procRoot = '/proc',
  ) {}

  /** A process that exec'd or was found running: probes its binary when that is Go and new. */
  onProcess(tgid: number): void {
    const exe = `${this.procRoot}/${tgid}/exe`;
    let key: string;
    try {
      const stat = statSync(exe, { bigint: true });
      key = `${stat.dev}:${stat.ino}`;
    } catch {
      return; // gone already, or a kernel thread
    }
    let binary = this.files.get(key);
    const before = this.byTgid.get(tgid);
    if (before !== undefined && before === binary) return; // seen twice: found running, then its exec event
    if (before !== undefined) this.onExit(tgid); // exec'd another program
    if (binary === undefined) {
      binary = this.probe(exe, key);
      if (binary === null) this.rememberUnprobed();
      this.files.set(key, binary);
    }
    if (binary === null) return;
    binary.users.add(tgid);
    binary.idleIntervals = 0;
    this.byTgid.set(tgid, binary);
  }

  /** Its binary's probes go LINGER_INTERVALS after the last process running it (see endInterval). */
  onExit(tgid: number): void {
    const binary = this.byTgid.get(tgid);
    if (!binary) return;
    this.byTgid.delete(tgid);
    this.exitedNow.set(tgid, binary.facts);
    binary.users.delete(tgid);
  }

  private rememberUnprobed(): void {
    if (++this.unprobedFiles <= MAX_UNPROBED_FILES) return;
    for (const [key, known] of this.files) {
      if (known !== null) continue;
      this.files.delete(key);
      this.unprobedFiles--;
      break;
    }
  }

  /** The runtime facts of a probed process, also for two intervals after it exited. */
  binaryOf(tgid: number): GoBinary | undefined {
    return this.byTgid.get(tgid)?.facts ?? this.exitedNow.get(tgid) ?? this.exitedBefore.get(tgid);
  }

  /** An interval ended: the facts of processes that exited two intervals ago go, and binaries unused long enough are unprobed. */
  endInterval(): void {
    this.exitedBefore = this.exitedNow;
    this.exitedNow = new Map();
    for (const [key, binary] of this.files) {
      if (binary === null || binary.users.size > 0 || ++binary.idleIntervals < LINGER_INTERVALS) continue;
      this.command(`detach ${binary.id}`);
      this.freeIds.push(binary.id);
      this.files.delete(key);
    }
  }

  private probe(exe: string, key: string): ProbedBinary | null {
    let facts: GoBinary | undefined;
    try {
      facts = readGoBinary(exe);
    } catch {
      return null; // not ELF, or unreadable: not ours to probe
    }
    if (!facts) return null;
    const minor = goMinorVersion(facts.goVersion);
    if (minor !== undefined && minor < MIN_GO_MINOR) {
      this.logger.info({ exe, goVersion: facts.goVersion }, 'Go runtime probes need Go 1.18 or later: binary left unprobed');
      return null;
    }
    const offsets = GO_PROBE_FUNCTIONS.map((fn) => (this.wanted(fn) ? (facts.probeOffsets[fn] ?? 0n) : 0n));
    const missing = GO_PROBE_FUNCTIONS.filter((fn) => this.wanted(fn) && facts.probeOffsets[fn] === undefined);
    if (missing.length > 0) {
      this.logger.warn({ exe, goVersion: facts.goVersion, missing }, 'Go binary without these runtime symbols (stripped?): their probes are off for it');
    }
    if (offsets.every((offset) => offset === 0n)) return null;
    const id = this.freeIds.pop();
    if (id === undefined) {
      this.logger.warn({ exe, maxBinaries: GO_MAX_BINARIES }, 'too many distinct Go binaries probed at once: this one is left out');
      return null;
    }
    // The path through /proc names the very file the process runs, in any mount namespace.
    this.command(`attach ${id} ${exe} ${offsets.join(' ')}`);
    this.logger.debug({ exe, goVersion: facts.goVersion, id }, 'probing a Go binary');
    return { id, facts, users: new Set(), idleIntervals: 0 };
  }

  private wanted(fn: GoProbeFunction): boolean {
    return (Object.keys(PART_FUNCTIONS) as (keyof GoRuntimeParts)[]).some((part) => this.parts[part] && PART_FUNCTIONS[part].includes(fn));
  }
}
