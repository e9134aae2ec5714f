// The pieces that turn kernel records into the agent's OTLP output, exported
// for suites and tools that must produce exactly what the agent sends (the
// OpenTelemetry Collector interop suite), as `@stallscope/bpf-agent/otlp`.
export { encodeLogsRequests, encodeMetricsRequests, encodeTraceRequests, MAX_MESSAGE_BYTES } from './export/otlp-encode.js';
export { hrTimeOfNs } from './export/hr-time.js';
export { histogramResourceMetrics } from './metrics/histogram-metrics.js';
export type { HistogramDelta } from './metrics/histogram-deltas.js';
export type { SlowSyscallRecord } from './loader/records.js';
export type { ProcessInfo } from './process/process-info.js';
export { processResource, slowSyscallSpan } from '../signals/syscalls/slow-syscall-spans.js';
export type { SlowSyscallContext } from '../signals/syscalls/slow-syscall-spans.js';
