// The loader <-> agent record layout, mirroring schemas/loader/records.h.
// A test compiles a C program against that header and compares every size and
// offset below, so the two cannot drift apart.

export const RECORD_ABI_VERSION = 1;
export const TASK_COMM_LEN = 16;
export const SLOW_SYSCALL_ARGS = 3;
export const MAX_SYSCALL_NR = 512;
export const MAX_HIST_BUCKET = 63;

export const RecordType = {
  hello: 1,
  syscallHist: 2,
  snapshotEnd: 3,
  slowSyscall: 4,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

/** Names of the BPF drop counters, in the order of enum drop_reason. */
export const DROP_REASONS = ['hist_map_full', 'start_map_full', 'ringbuf_full'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const RecordHeaderLayout = { size: 8, type: 0, version: 2, recordSize: 4 } as const;

export const HelloRecordLayout = {
  size: 48,
  loaderPid: 8,
  intervalMs: 12,
  monotonicNs: 16,
  realtimeNs: 24,
  slowThresholdNs: 32,
  maxHistEntries: 40,
} as const;

export const SyscallHistRecordLayout = {
  size: 48,
  tgid: 8,
  syscallNr: 12,
  bucket: 16,
  count: 24,
  sumNs: 32,
  maxNs: 40,
} as const;

export const SnapshotEndRecordLayout = {
  size: 32 + 8 * DROP_REASONS.length,
  entries: 8,
  monotonicNs: 16,
  realtimeNs: 24,
  drops: 32,
} as const;

export const SlowSyscallRecordLayout = {
  size: 88,
  tgid: 8,
  tid: 12,
  syscallNr: 16,
  args: 24,
  ret: 48,
  startNs: 56,
  durationNs: 64,
  comm: 72,
} as const;
