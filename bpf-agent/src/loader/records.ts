import type { DropReason, GoHistKind, OffCpuState, TcpCountKind } from '@stallscope/schemas';

/** Decoded loader records (schemas/loader/records.h). 64-bit counters are bigint. */
export interface HelloRecord {
  type: 'hello';
  loaderPid: number;
  intervalMs: number;
  monotonicNs: bigint;
  realtimeNs: bigint;
  slowThresholdNs: bigint;
  maxHistEntries: number;
  /** SignalBit flags of the signals that loaded and attached. */
  signals: number;
}

/** Cumulative since the key appeared in the kernel map. */
export interface HistogramCounters {
  tgid: number;
  /** 0: 0..1 ns; b >= 1: (2^(b-1), 2^b] ns, i.e. scale-0 exponential bucket index b-1. */
  bucket: number;
  count: bigint;
  sumNs: bigint;
  maxNs: bigint;
}

export interface SyscallHistRecord extends HistogramCounters {
  type: 'syscall-hist';
  syscallNr: number;
  /** Wait class and rule, or a pending stack id (schemas' decodeClassKey). */
  classKey: number;
}

/** Failed calls of one (process, syscall, errno), cumulative. */
export interface SyscallErrorsRecord {
  type: 'syscall-errors';
  tgid: number;
  syscallNr: number;
  errno: number;
  count: bigint;
}

/** The return addresses behind a stack id of the offcpu signal, leaf first. */
export interface StackTraceRecord {
  type: 'stack-trace';
  stackId: number;
  ips: bigint[];
}

/** One interval's off-CPU time under one (process, state, kernel stack, user stack). */
export interface OffCpuStackRecord {
  type: 'offcpu-stack';
  tgid: number;
  state: OffCpuState;
  /** Stack ids, -1 where none was taken. */
  kernelStack: number;
  userStack: number;
  offCpuNs: bigint;
  count: bigint;
}

/** Stack ids sent so far may name other stacks from now on. */
export interface StacksResetRecord {
  type: 'stacks-reset';
}

/** One interval's CPU samples under one (process, kernel stack, user stack). */
export interface CpuStackRecord {
  type: 'cpu-stack';
  tgid: number;
  /** Stack ids in the profile signal's stack map, -1 (or another negative) where none was taken. */
  kernelStack: number;
  userStack: number;
  samples: bigint;
}

/** The return addresses behind a stack id of the profile signal, leaf first. */
export interface CpuStackTraceRecord {
  type: 'cpu-stack-trace';
  stackId: number;
  ips: bigint[];
}

/** Profile stack ids sent so far may name other stacks from now on. */
export interface CpuStacksResetRecord {
  type: 'cpu-stacks-reset';
}

export interface OffCpuHistRecord extends HistogramCounters {
  type: 'offcpu-hist';
  state: OffCpuState;
}

export interface SnapshotEndRecord {
  type: 'snapshot-end';
  monotonicNs: bigint;
  realtimeNs: bigint;
  /** Cumulative per-reason drop counters of the BPF side. */
  drops: Record<DropReason, bigint>;
}

export interface SlowSyscallRecord {
  type: 'slow-syscall';
  tgid: number;
  tid: number;
  syscallNr: number;
  classKey: number;
  args: bigint[];
  returnValue: bigint;
  /** CLOCK_MONOTONIC ns (bpf_ktime_get_ns). */
  startNs: bigint;
  durationNs: bigint;
  /** Part of the call spent runnable but not running (0 without the offcpu signal). */
  runQueueNs: bigint;
  /** User stack id in the kernel's stack map, or -1. */
  stackId: number;
  comm: string;
}

/** A user stack whose wait-class verdict the kernel is waiting for. */
export interface UserStackRecord {
  type: 'user-stack';
  stackId: number;
  tgid: number;
  syscallNr: number;
  /** Return addresses, leaf first. */
  ips: bigint[];
  /** The word at the user stack pointer at the call (x86-64): maybe the return address into the leaf's caller. */
  leafReturn?: bigint;
}

export interface ProcessEventRecord {
  type: 'process-event';
  kind: 'exec' | 'fork' | 'exit';
  tgid: number;
  parentTgid: number;
  timeNs: bigint;
  comm: string;
  /** exec: the path of the program run (as passed to execve); empty otherwise. */
  filename: string;
  /**
   * exec: the arguments as the kernel laid them out for the new program, cut
   * at PROCESS_ARGS_LEN bytes (the last one may be cut short); empty otherwise.
   * Not redacted: they may hold secrets.
   */
  argv: string[];
}

/** One (process, kind, peer port class) counter of the tcp signal, cumulative. */
export interface TcpCountRecord {
  type: 'tcp-count';
  /** 0: sockets whose owner was never seen in process context. */
  tgid: number;
  kind: TcpCountKind;
  /** The peer port when it is its own class, else 0 (TCP_PORT_CLASS_OTHER). */
  portClass: number;
  count: bigint;
}

export interface TcpConnectHistRecord extends HistogramCounters {
  type: 'tcp-connect-hist';
  portClass: number;
}

/** A notable connection (failed, reset or with retransmits), at its close. */
export interface TcpConnectionRecord {
  type: 'tcp-connection';
  tgid: number;
  /** TcpConnectionFlag bits. */
  flags: number;
  /** CLOCK_MONOTONIC ns. */
  closeNs: bigint;
  /** SYN_SENT -> ESTABLISHED; 0n when it never got there (or was not connected from here). */
  connectNs: bigint;
  retransmits: number;
  family: 'ipv4' | 'ipv6';
  /** 0 where unknown. */
  localPort: number;
  localAddress: string;
  peerPort: number;
  peerAddress: string;
  /** Kernel TCP state code it closed from. */
  lastState: number;
  comm: string;
}

/** Stop-the-world pauses or goroutine parks of one Go process by the runtime's reason code. */
export interface GoHistRecord extends HistogramCounters {
  type: 'go-hist';
  kind: GoHistKind;
  /** stwReason (stw-pause) or waitReason (park) code of the process's runtime. */
  reason: number;
}

/** Goroutines created and exited in one process since its binary was probed, cumulative. */
export interface GoCountsRecord {
  type: 'go-counts';
  tgid: number;
  created: bigint;
  exited: bigint;
}

/** One interval's park time under one (process, wait reason, user stack). */
export interface GoParkStackRecord {
  type: 'go-park-stack';
  tgid: number;
  reason: number;
  /** Stack id in the goruntime signal's stack map. */
  userStack: number;
  parkedNs: bigint;
  count: bigint;
}

/** The return addresses behind a stack id of the goruntime signal, leaf first. */
export interface GoStackTraceRecord {
  type: 'go-stack-trace';
  stackId: number;
  ips: bigint[];
}

/** The goruntime signal's stack ids may name other stacks from now on. */
export interface GoStacksResetRecord {
  type: 'go-stacks-reset';
}

/** What one process did to its memory in one slot of MEMORY_SLOT_NS (not cumulative). */
export interface MemorySampleRecord {
  type: 'memory-sample';
  tgid: number;
  /** CLOCK_MONOTONIC ns / MEMORY_SLOT_NS. */
  slot: bigint;
  /** User page faults, minor and major. */
  faults: bigint;
  mmapBytes: bigint;
  munmapBytes: bigint;
  /** Net change of the heap break. */
  brkBytes: bigint;
  mmapCalls: number;
  munmapCalls: number;
  brkCalls: number;
}

/** An OOM kill's victim as oom:mark_victim saw it (sizes in KiB). */
export interface OomVictimRecord {
  type: 'oom-victim';
  tgid: number;
  /** The process whose allocation ran out of memory. */
  triggerTgid: number;
  /** CLOCK_MONOTONIC ns. */
  timeNs: bigint;
  totalVmKib: bigint;
  anonRssKib: bigint;
  fileRssKib: bigint;
  shmemRssKib: bigint;
  pgtablesKib: bigint;
  uid: number;
  oomScoreAdj: number;
  comm: string;
}

export type LoaderRecord =
  | HelloRecord
  | SyscallHistRecord
  | SnapshotEndRecord
  | SlowSyscallRecord
  | UserStackRecord
  | OffCpuHistRecord
  | ProcessEventRecord
  | SyscallErrorsRecord
  | StackTraceRecord
  | OffCpuStackRecord
  | StacksResetRecord
  | TcpCountRecord
  | TcpConnectHistRecord
  | TcpConnectionRecord
  | GoHistRecord
  | GoCountsRecord
  | GoParkStackRecord
  | GoStackTraceRecord
  | GoStacksResetRecord
  | CpuStackRecord
  | CpuStackTraceRecord
  | CpuStacksResetRecord
  | MemorySampleRecord
  | OomVictimRecord;
