export { createIngest } from './ingest.js';
export type { IngestDeps } from './ingest.js';
export { ingestConfigDefaults, ingestConfigSchema } from './config.js';
export type { IngestConfig } from './config.js';
export {
  OtlpDecodeError,
  decodeExportLogsServiceRequest,
  decodeExportMetricsServiceRequest,
  decodeExportTraceServiceRequest,
} from './otlp-decode.js';
export { Tables, traceRows } from './rows.js';
export { insertJsonEachRow } from './row-binary-insert.js';
export { goSortFunc } from './go-sort.js';
export type { OtelTraceRow, TableName } from './rows.js';
export { metricRows } from './metric-rows.js';
export type {
  MetricRows,
  OtelExponentialHistogramRow,
  OtelGaugeRow,
  OtelHistogramRow,
  OtelSumRow,
  OtelSummaryRow,
} from './metric-rows.js';
export { logRows } from './log-rows.js';
export type { OtelLogRow } from './log-rows.js';
export type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  ExponentialHistogramDataPoint,
  KeyValue,
  Metric,
  Span,
} from './otlp-model.js';
