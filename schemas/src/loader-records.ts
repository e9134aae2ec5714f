// The loader <-> agent record layout, mirroring schemas/loader/records.h.
// A test compiles a C program against that header and compares every size and
// offset below, so the two cannot drift apart.

export const RECORD_ABI_VERSION = 8;
export const TASK_COMM_LEN = 16;
export const PROCESS_FILENAME_LEN = 256;
export const PROCESS_ARGS_LEN = 512;
export const SLOW_SYSCALL_ARGS = 4;
export const MAX_SYSCALL_NR = 512;
export const MAX_HIST_BUCKET = 63;
export const MAX_STACK_DEPTH = 127;

/** Wait classes by their kernel code (enum wait_class_code): index = code. */
export const WAIT_CLASS_CODES = ['other', 'idle', 'lock', 'disk', 'network', 'ipc', 'run-queue'] as const;
export const CLASS_RULE_SHIFT = 8;
export const CLASS_KEY_PENDING_STACK = 0x80000000;
/** fd target kinds (enum fd_kind), by code. */
export const FD_KINDS = ['socket', 'file', 'pipe', 'char', 'anon', 'other'] as const;
export type FdKind = (typeof FD_KINDS)[number];
export const FD_RULE_BASE = 1;
export const PROCESS_EXIT_RULE = FD_RULE_BASE + FD_KINDS.length;
export const STACK_RULE_BASE = PROCESS_EXIT_RULE + 1;
export const CLASSIFY_BY_FD = 0x10;
export const CLASSIFY_BY_STACK = 0x20;
export const CLASSIFY_BY_OPENED_FD = 0x40;

/** Signals the loader can load, with their bit in hello_record.signals (enum signal_bit). */
export const SignalBit = { syscalls: 1, offcpu: 2, process: 4, tcp: 8, goruntime: 16, profile: 32, memory: 64 } as const;
export type SignalName = keyof typeof SignalBit;

/** Off-CPU thread states by code (enum offcpu_state). */
export const OFFCPU_STATES = ['run-queue', 'sleep', 'uninterruptible'] as const;
export type OffCpuState = (typeof OFFCPU_STATES)[number];

/** Process lifecycle events by code (enum process_event_kind). */
export const ProcessEventKind = { exec: 1, fork: 2, exit: 3 } as const;

export const RecordType = {
  hello: 1,
  syscallHist: 2,
  snapshotEnd: 3,
  slowSyscall: 4,
  userStack: 5,
  offcpuHist: 6,
  processEvent: 7,
  syscallErrors: 8,
  stackTrace: 9,
  offcpuStack: 10,
  stacksReset: 11,
  tcpCount: 12,
  tcpConnectHist: 13,
  tcpConnection: 14,
  goHist: 15,
  goCounts: 16,
  goParkStack: 17,
  goStackTrace: 18,
  goStacksReset: 19,
  cpuStack: 20,
  cpuStackTrace: 21,
  cpuStacksReset: 22,
  memorySample: 23,
  oomVictim: 24,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

/** Names of the BPF drop counters, in the order of enum drop_reason. */
export const DROP_REASONS = [
  'hist_map_full',
  'start_map_full',
  'ringbuf_full',
  'stack_map_full',
  'offcpu_map_full',
  'process_ringbuf_full',
  'error_map_full',
  'offcpu_stack_full',
  'tcp_map_full',
  'tcp_event_rate',
  'tcp_ringbuf_full',
  'go_map_full',
  'go_stack_full',
  'profile_full',
  'memory_map_full',
  'memory_ringbuf_full',
] as const;
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
  signals: 44,
} as const;

export const SyscallHistRecordLayout = {
  size: 48,
  tgid: 8,
  syscallNr: 12,
  bucket: 16,
  classKey: 20,
  count: 24,
  sumNs: 32,
  maxNs: 40,
} as const;

export const SnapshotEndRecordLayout = {
  size: 24 + 8 * DROP_REASONS.length,
  monotonicNs: 8,
  realtimeNs: 16,
  drops: 24,
} as const;

export const SlowSyscallRecordLayout = {
  size: 112,
  tgid: 8,
  tid: 12,
  syscallNr: 16,
  classKey: 20,
  args: 24,
  ret: 56,
  startNs: 64,
  durationNs: 72,
  runQueueNs: 80,
  stackId: 88,
  comm: 96,
} as const;

export const SyscallErrorsRecordLayout = {
  size: 32,
  tgid: 8,
  syscallNr: 12,
  errno: 16,
  count: 24,
} as const;

export const UserStackRecordLayout = {
  size: 24 + 8 * MAX_STACK_DEPTH + 8,
  stackId: 8,
  tgid: 12,
  syscallNr: 16,
  depth: 20,
  ips: 24,
  leafReturn: 24 + 8 * MAX_STACK_DEPTH,
} as const;

export const OffCpuHistRecordLayout = {
  size: 48,
  tgid: 8,
  state: 12,
  bucket: 16,
  count: 24,
  sumNs: 32,
  maxNs: 40,
} as const;

export const ProcessEventRecordLayout = {
  size: 48 + PROCESS_FILENAME_LEN + PROCESS_ARGS_LEN,
  kind: 8,
  tgid: 12,
  parentTgid: 16,
  argsSize: 20,
  timeNs: 24,
  comm: 32,
  filename: 48,
  args: 48 + PROCESS_FILENAME_LEN,
} as const;

export const StackTraceRecordLayout = {
  size: 16 + 8 * MAX_STACK_DEPTH,
  stackId: 8,
  depth: 12,
  ips: 16,
} as const;

export const OffCpuStackRecordLayout = {
  size: 40,
  tgid: 8,
  state: 12,
  kernelStack: 16,
  userStack: 20,
  offCpuNs: 24,
  count: 32,
} as const;

export const StacksResetRecordLayout = { size: 8 } as const;

/** CPU samples of one (process, kernel stack, user stack) in one interval; its stacks come as stack_trace_record layouts of type cpuStackTrace. */
export const CpuStackRecordLayout = {
  size: 32,
  tgid: 8,
  kernelStack: 12,
  userStack: 16,
  samples: 24,
} as const;

/** What the tcp signal counts, by code (enum tcp_count_kind). */
export const TCP_COUNT_KINDS = ['retransmit', 'reset_received', 'reset_sent', 'connect_refused', 'connect_unanswered'] as const;
export type TcpCountKind = (typeof TCP_COUNT_KINDS)[number];
/** The port class of every peer port that is not its own class. */
export const TCP_PORT_CLASS_OTHER = 0;

/** Why a connection is notable (tcp_connection_event.flags). */
export const TcpConnectionFlag = {
  connectFailed: 0x1,
  refused: 0x2,
  resetReceived: 0x4,
  resetSent: 0x8,
  retransmits: 0x10,
} as const;

export const TcpCountRecordLayout = {
  size: 32,
  tgid: 8,
  kind: 12,
  portClass: 16,
  count: 24,
} as const;

export const TcpConnectHistRecordLayout = {
  size: 48,
  tgid: 8,
  portClass: 12,
  bucket: 16,
  count: 24,
  sumNs: 32,
  maxNs: 40,
} as const;

export const TcpConnectionRecordLayout = {
  size: 96,
  tgid: 8,
  flags: 12,
  closeNs: 16,
  connectNs: 24,
  retransmits: 32,
  family: 36,
  localPort: 38,
  peerPort: 40,
  lastState: 42,
  localAddr: 48,
  peerAddr: 64,
  comm: 80,
} as const;

/** What a goruntime histogram times, by code (enum go_hist_kind). */
export const GO_HIST_KINDS = ['stw-pause', 'park'] as const;
export type GoHistKind = (typeof GO_HIST_KINDS)[number];

/**
 * The runtime functions the goruntime signal probes, in the order of enum
 * go_probe: the agent's "goruntime attach ID PATH OFFSET..." command gives one
 * file offset per entry (0: not probed).
 */
export const GO_PROBE_FUNCTIONS = [
  'runtime.stopTheWorldWithSema',
  'runtime.startTheWorldWithSema',
  'runtime.newproc1',
  'runtime.goexit1',
  'runtime.gopark',
  'runtime.execute',
] as const;
export type GoProbeFunction = (typeof GO_PROBE_FUNCTIONS)[number];
/** Go binaries the loader probes at once: the attach command's ids are below this. */
export const GO_MAX_BINARIES = 1024;

export const GoHistRecordLayout = {
  size: 48,
  tgid: 8,
  kind: 12,
  reason: 16,
  bucket: 20,
  count: 24,
  sumNs: 32,
  maxNs: 40,
} as const;

export const GoCountsRecordLayout = {
  size: 32,
  tgid: 8,
  created: 16,
  exited: 24,
} as const;

export const GoParkStackRecordLayout = {
  size: 40,
  tgid: 8,
  reason: 12,
  userStack: 16,
  parkedNs: 24,
  count: 32,
} as const;

/** Length of one memory sample slot (memory_sample_key.slot = monotonic ns / this). */
export const MEMORY_SLOT_NS = 250_000_000;

/** What one process did to its memory in one slot (not cumulative). */
export const MemorySampleRecordLayout = {
  size: 72,
  tgid: 8,
  slot: 16,
  faults: 24,
  mmapBytes: 32,
  munmapBytes: 40,
  brkBytes: 48,
  mmapCalls: 56,
  munmapCalls: 60,
  brkCalls: 64,
} as const;

/** oom:mark_victim, sizes in KiB. */
export const OomVictimRecordLayout = {
  size: 88,
  tgid: 8,
  triggerTgid: 12,
  timeNs: 16,
  totalVmKib: 24,
  anonRssKib: 32,
  fileRssKib: 40,
  shmemRssKib: 48,
  pgtablesKib: 56,
  uid: 64,
  oomScoreAdj: 68,
  comm: 72,
} as const;
