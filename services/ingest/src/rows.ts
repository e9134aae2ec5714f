// Decoded OTLP -> rows of the Collector-compatible tables, column for column as
// the OpenTelemetry Collector's ClickHouse exporter fills them.
import { ResourceAttr } from '@stallscope/schemas';
import { attributeString, attributesAsStrings } from './attribute-strings.js';
import { dateTime64NanosText, hexId, uint64Text } from './clickhouse-values.js';
import type {
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  Exemplar,
  Span,
  UnsupportedMetricType,
} from './otlp-model.js';

export const Tables = {
  traces: 'otel_traces',
  exponentialHistograms: 'otel_metrics_exponential_histogram',
  deadLetters: 'stallscope_dead_letters',
} as const;
export type TableName = (typeof Tables)[keyof typeof Tables];

type StringMap = Record<string, string>;

/** One row of otel_traces (schemas/migrations/0001_otel_traces.sql). */
export interface OtelTraceRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: StringMap;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: StringMap;
  /** UInt64 nanoseconds, as a decimal string. */
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': StringMap[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': StringMap[];
}

/** One row of otel_metrics_exponential_histogram (schemas/migrations/0002_*.sql). */
export interface OtelExponentialHistogramRow {
  ResourceAttributes: StringMap;
  ResourceSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: StringMap;
  ScopeDroppedAttrCount: number;
  ScopeSchemaUrl: string;
  ServiceName: string;
  MetricName: string;
  MetricDescription: string;
  MetricUnit: string;
  Attributes: StringMap;
  StartTimeUnix: string;
  TimeUnix: string;
  Count: string;
  Sum: number;
  Scale: number;
  ZeroCount: string;
  PositiveOffset: number;
  PositiveBucketCounts: string[];
  NegativeOffset: number;
  NegativeBucketCounts: string[];
  'Exemplars.FilteredAttributes': StringMap[];
  'Exemplars.TimeUnix': string[];
  'Exemplars.Value': number[];
  'Exemplars.SpanId': string[];
  'Exemplars.TraceId': string[];
  Flags: number;
  Min: number;
  Max: number;
  AggregationTemporality: number;
}

// pdata's SpanKind.String() and StatusCode.String(), which the exporter writes.
const SPAN_KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
const STATUS_CODE_NAMES = ['Unset', 'Ok', 'Error'] as const;

function spanKindName(kind: number): string {
  return SPAN_KIND_NAMES[kind] ?? '';
}

function statusCodeName(code: number): string {
  return STATUS_CODE_NAMES[code] ?? '';
}

function traceRow(span: Span, resource: StringMap, serviceName: string, scopeName: string, scopeVersion: string): OtelTraceRow {
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

// The exporter writes ids of exemplars from unsampled spans as zero ids, not ''.
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

function exemplarValue(exemplar: Exemplar): number {
  if (exemplar.value === undefined) return 0;
  return exemplar.value.type === 'double' ? exemplar.value.value : Number(exemplar.value.value);
}

export interface MetricRows {
  exponentialHistograms: OtelExponentialHistogramRow[];
  /** Points of metric types that have no table yet, dropped and counted. */
  unsupportedPoints: Partial<Record<UnsupportedMetricType, number>>;
}

export function metricRows(request: ExportMetricsServiceRequest): MetricRows {
  const out: MetricRows = { exponentialHistograms: [], unsupportedPoints: {} };
  for (const resourceMetrics of request.resourceMetrics) {
    const resource = attributesAsStrings(resourceMetrics.resource.attributes);
    const serviceName = attributeString(resourceMetrics.resource.attributes, ResourceAttr.serviceName);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      const scope = scopeMetrics.scope;
      const scopeAttributes = attributesAsStrings(scope.attributes);
      for (const metric of scopeMetrics.metrics) {
        const data = metric.data;
        if (data.type === 'none') continue;
        if (data.type !== 'exponentialHistogram') {
          out.unsupportedPoints[data.type] = (out.unsupportedPoints[data.type] ?? 0) + data.dataPointCount;
          continue;
        }
        for (const point of data.dataPoints) {
          out.exponentialHistograms.push({
            ResourceAttributes: resource,
            ResourceSchemaUrl: resourceMetrics.schemaUrl,
            ScopeName: scope.name,
            ScopeVersion: scope.version,
            ScopeAttributes: scopeAttributes,
            ScopeDroppedAttrCount: scope.droppedAttributesCount,
            ScopeSchemaUrl: scopeMetrics.schemaUrl,
            ServiceName: serviceName,
            MetricName: metric.name,
            MetricDescription: metric.description,
            MetricUnit: metric.unit,
            Attributes: attributesAsStrings(point.attributes),
            StartTimeUnix: dateTime64NanosText(point.startTimeUnixNano),
            TimeUnix: dateTime64NanosText(point.timeUnixNano),
            Count: uint64Text(point.count),
            Sum: point.sum ?? 0,
            Scale: point.scale,
            ZeroCount: uint64Text(point.zeroCount),
            PositiveOffset: point.positive.offset,
            PositiveBucketCounts: point.positive.bucketCounts.map(uint64Text),
            NegativeOffset: point.negative.offset,
            NegativeBucketCounts: point.negative.bucketCounts.map(uint64Text),
            'Exemplars.FilteredAttributes': point.exemplars.map((exemplar) => attributesAsStrings(exemplar.filteredAttributes)),
            'Exemplars.TimeUnix': point.exemplars.map((exemplar) => dateTime64NanosText(exemplar.timeUnixNano)),
            'Exemplars.Value': point.exemplars.map(exemplarValue),
            'Exemplars.SpanId': point.exemplars.map((exemplar) => (exemplar.spanId.length ? hexId(exemplar.spanId) : ZERO_SPAN_ID)),
            'Exemplars.TraceId': point.exemplars.map((exemplar) => (exemplar.traceId.length ? hexId(exemplar.traceId) : ZERO_TRACE_ID)),
            Flags: point.flags,
            Min: point.min ?? 0,
            Max: point.max ?? 0,
            AggregationTemporality: data.aggregationTemporality,
          });
        }
      }
    }
  }
  return out;
}
