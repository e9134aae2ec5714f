export { createIngest } from './ingest.js';
export type { IngestDeps } from './ingest.js';
export { ingestConfigDefaults, ingestConfigSchema } from './config.js';
export type { IngestConfig } from './config.js';
export { OtlpDecodeError, decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
export { Tables, metricRows, traceRows } from './rows.js';
export type { MetricRows, OtelExponentialHistogramRow, OtelTraceRow, TableName } from './rows.js';
export type {
  AnyValue,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  ExponentialHistogramDataPoint,
  KeyValue,
  Metric,
  Span,
} from './otlp-model.js';
