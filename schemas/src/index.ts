export {
  AGENT_SCOPE_NAME,
  GO_GC_CYCLE_STW_REASON,
  GO_GC_STW_REASONS,
  GO_IDLE_WAIT_REASONS,
  GO_PARK_STACK_EVENT,
  GoParkLogAttr,
  LogAttr,
  MEMORY_FLIGHT_RECORD_EVENT,
  MemoryLogAttr,
  MetricAttr,
  OOM_KILL_EVENT,
  Metrics,
  OFFCPU_STACK_EVENT,
  CPU_STACK_EVENT,
  CpuStackLogAttr,
  RUN_QUEUE_PSEUDO_SYSCALL,
  ResourceAttr,
  SpanAttr,
  TCP_CONNECTION_EVENT,
  TcpLogAttr,
} from './attributes.js';
export { DeadLetterHeaders, INGEST_CONSUMER_GROUP, TOPIC_ENCODING, Topics } from './topics.js';
export type { TopicName } from './topics.js';
export { WAIT_CLASSES, isWaitClass, waitClassOfSyscall } from './wait-class.js';
export type { WaitClass } from './wait-class.js';
export {
  FD_CLASSIFIED_SYSCALLS,
  FD_KIND_RULES,
  STACK_CLASSIFIED_SYSCALLS,
  PROCESS_EXIT_RULE_ID,
  SYSCALL_NAME_RULE_ID,
  decodeClassKey,
  kernelClassifyCode,
  stackVerdictClassKey,
} from './wait-class-context.js';
export type { ClassRule, DecodedClassKey } from './wait-class-context.js';
export { WAIT_CLASS_RULES, classifyByStack, waitClassRuleReason } from './wait-class-rules.js';
export type { FramePattern, WaitClassRule, WaitClassVerdict } from './wait-class-rules.js';
export { syscallArchOf, syscallName, syscallNumbers, syscallTable } from './syscalls/index.js';
export type { SyscallArch } from './syscalls/index.js';
export {
  CLASS_KEY_PENDING_STACK,
  CLASSIFY_BY_STACK,
  CLASS_RULE_SHIFT,
  CpuStackRecordLayout,
  DROP_REASONS,
  FD_KINDS,
  FD_RULE_BASE,
  HelloRecordLayout,
  MAX_HIST_BUCKET,
  MAX_STACK_DEPTH,
  MAX_SYSCALL_NR,
  OFFCPU_STATES,
  OffCpuHistRecordLayout,
  OffCpuStackRecordLayout,
  ProcessEventKind,
  ProcessEventRecordLayout,
  RECORD_ABI_VERSION,
  RecordHeaderLayout,
  RecordType,
  SLOW_SYSCALL_ARGS,
  SignalBit,
  SlowSyscallRecordLayout,
  StackTraceRecordLayout,
  StacksResetRecordLayout,
  SnapshotEndRecordLayout,
  SyscallErrorsRecordLayout,
  SyscallHistRecordLayout,
  PROCESS_ARGS_LEN,
  PROCESS_FILENAME_LEN,
  TASK_COMM_LEN,
  GO_HIST_KINDS,
  GO_MAX_BINARIES,
  GO_PROBE_FUNCTIONS,
  GoCountsRecordLayout,
  GoHistRecordLayout,
  GoParkStackRecordLayout,
  TCP_COUNT_KINDS,
  TCP_PORT_CLASS_OTHER,
  TcpConnectHistRecordLayout,
  TcpConnectionFlag,
  TcpConnectionRecordLayout,
  TcpCountRecordLayout,
  UserStackRecordLayout,
  WAIT_CLASS_CODES,
  MEMORY_SLOT_NS,
  MemorySampleRecordLayout,
  OomVictimRecordLayout,
} from './loader-records.js';
export type { DropReason, FdKind, GoHistKind, GoProbeFunction, OffCpuState, RecordTypeCode, SignalName, TcpCountKind } from './loader-records.js';
export { migrationsDir, otlpProtoDir, recordsHeaderPath } from './paths.js';
export { DISTRIBUTED_SHARDING_KEYS, LOCAL_TABLE_SUFFIX, REPLICATED_TABLE_PATH_PREFIX, REPLICA_NAME } from './cluster-layout.js';
export { errnoClass, errnoName } from './errno.js';
export type { ErrnoClass } from './errno.js';
export { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr, SloEvaluateOutcome } from './self-tracing.js';
