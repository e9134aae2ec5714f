// Decoded OTLP requests: the protobuf messages with 64-bit integers as bigint
// (no precision lost), ids as bytes, and absent optional values as undefined.

/**
 * A string field as stored: text, or the bytes sent when they are not UTF-8
 * (ClickHouse strings are bytes, and the Collector keeps them as sent).
 */
export type StoredText = string | Uint8Array;

export type AnyValue =
  | { readonly type: 'empty' }
  /** `bytes`: what was sent, when it is not UTF-8 (`value` then has U+FFFD for each bad sequence). */
  | { readonly type: 'string'; readonly value: string; readonly bytes?: Uint8Array }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'array'; readonly values: readonly AnyValue[] }
  | { readonly type: 'kvlist'; readonly values: readonly KeyValue[] };

export interface KeyValue {
  readonly key: string;
  /** What was sent, when it is not UTF-8 (`key` then has U+FFFD for each bad sequence). */
  readonly keyBytes?: Uint8Array;
  readonly value: AnyValue;
}

export interface Resource {
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
}

export interface InstrumentationScope {
  readonly name: StoredText;
  readonly version: StoredText;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
}

export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: StoredText;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly traceState: StoredText;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface Span {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly traceState: StoredText;
  /** Empty for a root span. */
  readonly parentSpanId: Uint8Array;
  readonly flags: number;
  readonly name: StoredText;
  /** OTLP Span.SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  /** code is OTLP Status.StatusCode: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly message: StoredText; readonly code: number };
}

export interface ScopeSpans {
  readonly scope: InstrumentationScope;
  readonly spans: readonly Span[];
  readonly schemaUrl: StoredText;
}

export interface ResourceSpans {
  readonly resource: Resource;
  readonly scopeSpans: readonly ScopeSpans[];
  readonly schemaUrl: StoredText;
}

export interface ExportTraceServiceRequest {
  readonly resourceSpans: readonly ResourceSpans[];
}

export interface Exemplar {
  readonly filteredAttributes: readonly KeyValue[];
  readonly timeUnixNano: bigint;
  readonly value: NumberValue;
  /** Empty when the exemplar was not recorded in a sampled span. */
  readonly spanId: Uint8Array;
  readonly traceId: Uint8Array;
}

export interface ExponentialHistogramBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly bigint[];
}

export interface ExponentialHistogramDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: bigint;
  readonly sum: number | undefined;
  readonly scale: number;
  readonly zeroCount: bigint;
  readonly positive: ExponentialHistogramBuckets;
  readonly negative: ExponentialHistogramBuckets;
  readonly flags: number;
  readonly exemplars: readonly Exemplar[];
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly zeroThreshold: number;
}

/** The value of a number point or an exemplar: OTLP's as_double | as_int oneof, undefined when unset. */
export type NumberValue = { readonly type: 'double'; readonly value: number } | { readonly type: 'int'; readonly value: bigint } | undefined;

export interface NumberDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly value: NumberValue;
  readonly exemplars: readonly Exemplar[];
  readonly flags: number;
}

export interface HistogramDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: bigint;
  readonly sum: number | undefined;
  /** One more entry than explicitBounds: the last counts values above the last bound. */
  readonly bucketCounts: readonly bigint[];
  readonly explicitBounds: readonly number[];
  readonly exemplars: readonly Exemplar[];
  readonly flags: number;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface ValueAtQuantile {
  readonly quantile: number;
  readonly value: number;
}

export interface SummaryDataPoint {
  readonly attributes: readonly KeyValue[];
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: bigint;
  readonly sum: number;
  readonly quantileValues: readonly ValueAtQuantile[];
  readonly flags: number;
}

/** OTLP AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
export type MetricData =
  | { readonly type: 'gauge'; readonly dataPoints: readonly NumberDataPoint[] }
  | {
      readonly type: 'sum';
      readonly aggregationTemporality: number;
      readonly isMonotonic: boolean;
      readonly dataPoints: readonly NumberDataPoint[];
    }
  | { readonly type: 'histogram'; readonly aggregationTemporality: number; readonly dataPoints: readonly HistogramDataPoint[] }
  | {
      readonly type: 'exponentialHistogram';
      readonly aggregationTemporality: number;
      readonly dataPoints: readonly ExponentialHistogramDataPoint[];
    }
  | { readonly type: 'summary'; readonly dataPoints: readonly SummaryDataPoint[] }
  /** No data field we know: unset, or a kind newer than our .proto subset. */
  | { readonly type: 'none' };

export interface Metric {
  readonly name: StoredText;
  readonly description: StoredText;
  readonly unit: StoredText;
  readonly data: MetricData;
  readonly metadata: readonly KeyValue[];
}

export interface ScopeMetrics {
  readonly scope: InstrumentationScope;
  readonly metrics: readonly Metric[];
  readonly schemaUrl: StoredText;
}

export interface ResourceMetrics {
  readonly resource: Resource;
  readonly scopeMetrics: readonly ScopeMetrics[];
  readonly schemaUrl: StoredText;
}

export interface ExportMetricsServiceRequest {
  readonly resourceMetrics: readonly ResourceMetrics[];
}

export interface LogRecord {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  /** OTLP SeverityNumber: 0 unspecified, 1-24 trace..fatal4. */
  readonly severityNumber: number;
  readonly severityText: StoredText;
  readonly body: AnyValue;
  readonly attributes: readonly KeyValue[];
  readonly droppedAttributesCount: number;
  /** W3C trace flags in the low byte. */
  readonly flags: number;
  /** Empty when the record is outside any trace. */
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly eventName: StoredText;
}

export interface ScopeLogs {
  readonly scope: InstrumentationScope;
  readonly logRecords: readonly LogRecord[];
  readonly schemaUrl: StoredText;
}

export interface ResourceLogs {
  readonly resource: Resource;
  readonly scopeLogs: readonly ScopeLogs[];
  readonly schemaUrl: StoredText;
}

export interface ExportLogsServiceRequest {
  readonly resourceLogs: readonly ResourceLogs[];
}
