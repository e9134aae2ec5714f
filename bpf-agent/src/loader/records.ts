import type { DropReason, OffCpuState } from '@stallscope/schemas';

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
  | StacksResetRecord;
