export { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr, SpanAttr } from './attributes.js';
export { DeadLetterHeaders, INGEST_CONSUMER_GROUP, TOPIC_ENCODING, Topics } from './topics.js';
export type { TopicName } from './topics.js';
export { WAIT_CLASSES, isWaitClass, waitClassOfSyscall } from './wait-class.js';
export type { WaitClass } from './wait-class.js';
export { WAIT_CLASS_RULES, classifyByStack, waitClassRuleReason } from './wait-class-rules.js';
export type { FramePattern, WaitClassRule, WaitClassVerdict } from './wait-class-rules.js';
export { syscallArchOf, syscallName, syscallNumbers, syscallTable } from './syscalls/index.js';
export type { SyscallArch } from './syscalls/index.js';
export {
  DROP_REASONS,
  HelloRecordLayout,
  MAX_HIST_BUCKET,
  MAX_SYSCALL_NR,
  RECORD_ABI_VERSION,
  RecordHeaderLayout,
  RecordType,
  SLOW_SYSCALL_ARGS,
  SlowSyscallRecordLayout,
  SnapshotEndRecordLayout,
  SyscallHistRecordLayout,
  TASK_COMM_LEN,
} from './loader-records.js';
export type { DropReason, RecordTypeCode } from './loader-records.js';
export { migrationsDir, otlpProtoDir, recordsHeaderPath } from './paths.js';
