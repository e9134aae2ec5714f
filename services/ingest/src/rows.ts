// Decoded OTLP spans -> rows of otel_traces, column for column as the
// OpenTelemetry Collector's ClickHouse exporter fills them; the table names.
import { ResourceAttr } from '@stallscope/schemas';
import { attributeString, attributesAsStrings } from './attribute-strings.js';
import { dateTime64NanosText, hexId, uint64Text } from './clickhouse-values.js';
import type { ExportTraceServiceRequest, Span, StoredText } from './otlp-model.js';
import type { StoredMap } from './stored-map.js';

export const Tables = {
  traces: 'otel_traces',
  gauges: 'otel_metrics_gauge',
  sums: 'otel_metrics_sum',
  histograms: 'otel_metrics_histogram',
  exponentialHistograms: 'otel_metrics_exponential_histogram',
  summaries: 'otel_metrics_summary',
  logs: 'otel_logs',
  deadLetters: 'stallscope_dead_letters',
} as const;
export type TableName = (typeof Tables)[keyof typeof Tables];

/** One row of otel_traces (schemas/migrations/0001_otel_traces.sql). */
export interface OtelTraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: StoredText;
  SpanName: StoredText;
  SpanKind: string;
  ServiceName: StoredText;
  ResourceAttributes: StoredMap;
  ScopeName: StoredText;
  ScopeVersion: StoredText;
  SpanAttributes: StoredMap;
  /** UInt64 nanoseconds, as a decimal string. */
  Duration: string;
  StatusCode: string;
  StatusMessage: StoredText;
  'Events.Timestamp': string[];
  'Events.Name': StoredText[];
  'Events.Attributes': StoredMap[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': StoredText[];
  'Links.Attributes': StoredMap[];
}

// pdata's SpanKind.String() and StatusCode.String(), which the exporter writes.
export const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
export const STATUS_CODE_NAMES = ['Unset', 'Ok', 'Error'] as const;

function spanKindName(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? '';
}

function statusCodeName(code: number): string {
  return STATUS_CODE_NAMES[code] ?? '';
}

function traceRow(span: Span, resource: StoredMap, serviceName: StoredText, scopeName: StoredText, scopeVersion: StoredText): OtelTraceRow {
  return {
    Timestamp: dateTime64NanosText(span.startTimeUnixNano),
    TraceId: hexId(span.traceId),
    SpanId: hexId(span.spanId),
    ParentSpanId: span.parentSpanId.some((byte) => byte !== 0) ? hexId(span.parentSpanId) : '',
    TraceState: span.traceState,
    SpanName: span.name,
    SpanKind: spanKindName(span.kind),
    ServiceName: serviceName,
    ResourceAttributes: resource,
    ScopeName: scopeName,
    ScopeVersion: scopeVersion,
    SpanAttributes: attributesAsStrings(span.attributes),
    Duration: uint64Text(span.endTimeUnixNano - span.startTimeUnixNano),
    StatusCode: statusCodeName(span.status.code),
    StatusMessage: span.status.message,
    'Events.Timestamp': span.events.map((event) => dateTime64NanosText(event.timeUnixNano)),
    'Events.Name': span.events.map((event) => event.name),
    'Events.Attributes': span.events.map((event) => attributesAsStrings(event.attributes)),
    'Links.TraceId': span.links.map((link) => hexId(link.traceId)),
    'Links.SpanId': span.links.map((link) => hexId(link.spanId)),
    'Links.TraceState': span.links.map((link) => link.traceState),
    'Links.Attributes': span.links.map((link) => attributesAsStrings(link.attributes)),
  };
}

export function traceRows(request: ExportTraceServiceRequest): OtelTraceRow[] {
  const rows: OtelTraceRow[] = [];
  for (const resourceSpans of request.resourceSpans) {
    const resource = attributesAsStrings(resourceSpans.resource.attributes);
    const serviceName = attributeString(resourceSpans.resource.attributes, ResourceAttr.serviceName);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        rows.push(traceRow(span, resource, serviceName, scopeSpans.scope.name, scopeSpans.scope.version));
      }
    }
  }
  return rows;
}
