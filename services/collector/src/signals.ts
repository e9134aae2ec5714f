import { Topics } from '@stallscope/schemas';

export type SignalName = 'traces' | 'metrics' | 'logs';

/**
 * What differs between the three OTLP signals, as field names of the
 * protobufjs messages (camelCase) and the names of their service and types.
 * Everything else (receiving, validating, splitting, producing) is shared.
 */
export interface SignalShape {
  name: SignalName;
  topic: string;
  /** Fully qualified gRPC service, e.g. opentelemetry.proto.collector.trace.v1.TraceService. */
  grpcService: string;
  httpPath: string;
  requestType: string;
  responseType: string;
  resourceField: string;
  scopeField: string;
  itemField: string;
  /** The partial_success counter field of the response. */
  rejectedField: string;
}

export const SIGNALS: readonly SignalShape[] = [
  {
    name: 'traces',
    topic: Topics.spans,
    grpcService: 'opentelemetry.proto.collector.trace.v1.TraceService',
    httpPath: '/v1/traces',
    requestType: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    responseType: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
    resourceField: 'resourceSpans',
    scopeField: 'scopeSpans',
    itemField: 'spans',
    rejectedField: 'rejectedSpans',
  },
  {
    name: 'metrics',
    topic: Topics.metrics,
    grpcService: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
    httpPath: '/v1/metrics',
    requestType: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    responseType: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
    resourceField: 'resourceMetrics',
    scopeField: 'scopeMetrics',
    itemField: 'metrics',
    rejectedField: 'rejectedDataPoints',
  },
  {
    name: 'logs',
    topic: Topics.logs,
    grpcService: 'opentelemetry.proto.collector.logs.v1.LogsService',
    httpPath: '/v1/logs',
    requestType: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    responseType: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
    resourceField: 'resourceLogs',
    scopeField: 'scopeLogs',
    itemField: 'logRecords',
    rejectedField: 'rejectedLogRecords',
  },
];
