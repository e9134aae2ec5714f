import type { DropReason } from '@stallscope/schemas';

/** Decoded loader records (schemas/loader/records.h). 64-bit counters are bigint. */
export interface HelloRecord {
  type: 'hello';
  loaderPid: number;
  intervalMs: number;
  monotonicNs: bigint;
  realtimeNs: bigint;
  slowThresholdNs: bigint;
  maxHistEntries: number;
}

export interface SyscallHistRecord {
  type: 'syscall-hist';
  tgid: number;
  syscallNr: number;
  /** 0: 0..1 ns; b >= 1: (2^(b-1), 2^b] ns, i.e. scale-0 exponential bucket index b-1. */
  bucket: number;
  /** Cumulative since the key appeared in the kernel map. */
  count: bigint;
  sumNs: bigint;
  maxNs: bigint;
}

export interface SnapshotEndRecord {
  type: 'snapshot-end';
  entries: number;
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
  args: bigint[];
  returnValue: bigint;
  /** CLOCK_MONOTONIC ns (bpf_ktime_get_ns). */
  startNs: bigint;
  durationNs: bigint;
  comm: string;
}

export type LoaderRecord = HelloRecord | SyscallHistRecord | SnapshotEndRecord | SlowSyscallRecord;
