import type {
  AnyValue,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  Exemplar,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  InstrumentationScope,
  KeyValue,
  Metric,
  MetricData,
  Resource,
  ResourceMetrics,
  ResourceSpans,
  Span,
  SpanEvent,
  SpanLink,
} from './otlp-model.js';
import { otlpMessageTypes } from './otlp-schema.js';

/** The payload is not a well-formed OTLP request; retrying it cannot help. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

// What protobufjs hands back: 64-bit integers as Long, absent messages and
// proto3 `optional` scalars as null, empty bytes as an empty array, and the
// name of the set member under a oneof's name.
interface PbInt64 {
  low: number;
  high: number;
  unsigned: boolean;
}
type PbBytes = Uint8Array | readonly number[];
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbAnyValue {
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue: string;
  boolValue: boolean;
  intValue: PbInt64;
  doubleValue: number;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: PbBytes;
}
interface PbResource {
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
}
interface PbScope extends PbResource {
  name: string;
  version: string;
}
interface PbSpan {
  traceId: PbBytes;
  spanId: PbBytes;
  traceState: string;
  parentSpanId: PbBytes;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: PbInt64;
  endTimeUnixNano: PbInt64;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  events: { timeUnixNano: PbInt64; name: string; attributes: PbKeyValue[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: {
    traceId: PbBytes;
    spanId: PbBytes;
    traceState: string;
    attributes: PbKeyValue[];
    droppedAttributesCount: number;
    flags: number;
  }[];
  droppedLinksCount: number;
  status: { message: string; code: number } | null;
}
interface PbTraceRequest {
  resourceSpans: {
    resource: PbResource | null;
    scopeSpans: { scope: PbScope | null; spans: PbSpan[]; schemaUrl: string }[];
    schemaUrl: string;
  }[];
}
interface PbExemplar {
  filteredAttributes: PbKeyValue[];
  timeUnixNano: PbInt64;
  value?: 'asDouble' | 'asInt';
  asDouble: number;
  asInt: PbInt64;
  spanId: PbBytes;
  traceId: PbBytes;
}
interface PbBuckets {
  offset: number;
  bucketCounts: PbInt64[];
}
interface PbExponentialHistogramDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: PbInt64;
  timeUnixNano: PbInt64;
  count: PbInt64;
  sum: number | null;
  scale: number;
  zeroCount: PbInt64;
  positive: PbBuckets | null;
  negative: PbBuckets | null;
  flags: number;
  exemplars: PbExemplar[];
  min: number | null;
  max: number | null;
  zeroThreshold: number;
}
interface PbPoints {
  dataPoints: unknown[];
}
interface PbMetric {
  name: string;
  description: string;
  unit: string;
  data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  gauge: PbPoints | null;
  sum: PbPoints | null;
  histogram: PbPoints | null;
  exponentialHistogram: { dataPoints: PbExponentialHistogramDataPoint[]; aggregationTemporality: number } | null;
  summary: PbPoints | null;
  metadata: PbKeyValue[];
}
interface PbMetricsRequest {
  resourceMetrics: {
    resource: PbResource | null;
    scopeMetrics: { scope: PbScope | null; metrics: PbMetric[]; schemaUrl: string }[];
    schemaUrl: string;
  }[];
}

function uint64(value: PbInt64): bigint {
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

function int64(value: PbInt64): bigint {
  return BigInt.asIntN(64, uint64(value));
}

function bytes(value: PbBytes): Uint8Array {
  return value instanceof Uint8Array ? value : Uint8Array.from(value);
}

function requireLength(value: Uint8Array, length: number, path: string): Uint8Array {
  if (value.length !== length) throw new OtlpDecodeError(`${path} must be ${length} bytes, got ${value.length}`);
  return value;
}

function emptyOrLength(value: Uint8Array, length: number, path: string): Uint8Array {
  return value.length === 0 ? value : requireLength(value, length, path);
}

/** A valid trace or span id: the right length and not all zeros (the spec's invalid id). */
function validId(value: PbBytes, length: number, path: string): Uint8Array {
  const id = requireLength(bytes(value), length, path);
  if (id.every((byte) => byte === 0)) throw new OtlpDecodeError(`${path} must not be all zeros`);
  return id;
}

function anyValue(raw: PbAnyValue | null): AnyValue {
  switch (raw?.value) {
    case undefined:
      return { type: 'empty' };
    case 'stringValue':
      return { type: 'string', value: raw.stringValue };
    case 'boolValue':
      return { type: 'bool', value: raw.boolValue };
    case 'intValue':
      return { type: 'int', value: int64(raw.intValue) };
    case 'doubleValue':
      return { type: 'double', value: raw.doubleValue };
    case 'bytesValue':
      return { type: 'bytes', value: bytes(raw.bytesValue) };
    case 'arrayValue':
      return { type: 'array', values: (raw.arrayValue?.values ?? []).map(anyValue) };
    case 'kvlistValue':
      return { type: 'kvlist', values: keyValues(raw.kvlistValue?.values ?? []) };
  }
}

function keyValues(raw: readonly PbKeyValue[]): KeyValue[] {
  return raw.map((entry) => ({ key: entry.key, value: anyValue(entry.value) }));
}

function resource(raw: PbResource | null): Resource {
  return { attributes: keyValues(raw?.attributes ?? []), droppedAttributesCount: raw?.droppedAttributesCount ?? 0 };
}

function scope(raw: PbScope | null): InstrumentationScope {
  return {
    name: raw?.name ?? '',
    version: raw?.version ?? '',
    attributes: keyValues(raw?.attributes ?? []),
    droppedAttributesCount: raw?.droppedAttributesCount ?? 0,
  };
}

function spanEvent(raw: PbSpan['events'][number]): SpanEvent {
  return {
    timeUnixNano: uint64(raw.timeUnixNano),
    name: raw.name,
    attributes: keyValues(raw.attributes),
    droppedAttributesCount: raw.droppedAttributesCount,
  };
}

function spanLink(raw: PbSpan['links'][number], path: string): SpanLink {
  return {
    traceId: validId(raw.traceId, TRACE_ID_BYTES, `${path}.trace_id`),
    spanId: validId(raw.spanId, SPAN_ID_BYTES, `${path}.span_id`),
    traceState: raw.traceState,
    attributes: keyValues(raw.attributes),
    droppedAttributesCount: raw.droppedAttributesCount,
    flags: raw.flags,
  };
}

function span(raw: PbSpan, path: string): Span {
  const startTimeUnixNano = uint64(raw.startTimeUnixNano);
  const endTimeUnixNano = uint64(raw.endTimeUnixNano);
  if (endTimeUnixNano < startTimeUnixNano) {
    throw new OtlpDecodeError(`${path}.end_time_unix_nano ${endTimeUnixNano} is before start_time_unix_nano ${startTimeUnixNano}`);
  }
  return {
    traceId: validId(raw.traceId, TRACE_ID_BYTES, `${path}.trace_id`),
    spanId: validId(raw.spanId, SPAN_ID_BYTES, `${path}.span_id`),
    traceState: raw.traceState,
    parentSpanId: emptyOrLength(bytes(raw.parentSpanId), SPAN_ID_BYTES, `${path}.parent_span_id`),
    flags: raw.flags,
    name: raw.name,
    kind: raw.kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes: keyValues(raw.attributes),
    droppedAttributesCount: raw.droppedAttributesCount,
    events: raw.events.map(spanEvent),
    droppedEventsCount: raw.droppedEventsCount,
    links: raw.links.map((link, index) => spanLink(link, `${path}.links[${index}]`)),
    droppedLinksCount: raw.droppedLinksCount,
    status: { message: raw.status?.message ?? '', code: raw.status?.code ?? 0 },
  };
}

function exemplar(raw: PbExemplar, path: string): Exemplar {
  return {
    filteredAttributes: keyValues(raw.filteredAttributes),
    timeUnixNano: uint64(raw.timeUnixNano),
    value:
      raw.value === 'asDouble'
        ? { type: 'double', value: raw.asDouble }
        : raw.value === 'asInt'
          ? { type: 'int', value: int64(raw.asInt) }
          : undefined,
    spanId: emptyOrLength(bytes(raw.spanId), SPAN_ID_BYTES, `${path}.span_id`),
    traceId: emptyOrLength(bytes(raw.traceId), TRACE_ID_BYTES, `${path}.trace_id`),
  };
}

function buckets(raw: PbBuckets | null): ExponentialHistogramBuckets {
  return { offset: raw?.offset ?? 0, bucketCounts: (raw?.bucketCounts ?? []).map(uint64) };
}

function exponentialHistogramDataPoint(raw: PbExponentialHistogramDataPoint, path: string): ExponentialHistogramDataPoint {
  return {
    attributes: keyValues(raw.attributes),
    startTimeUnixNano: uint64(raw.startTimeUnixNano),
    timeUnixNano: uint64(raw.timeUnixNano),
    count: uint64(raw.count),
    sum: raw.sum ?? undefined,
    scale: raw.scale,
    zeroCount: uint64(raw.zeroCount),
    positive: buckets(raw.positive),
    negative: buckets(raw.negative),
    flags: raw.flags,
    exemplars: raw.exemplars.map((entry, index) => exemplar(entry, `${path}.exemplars[${index}]`)),
    min: raw.min ?? undefined,
    max: raw.max ?? undefined,
    zeroThreshold: raw.zeroThreshold,
  };
}

function metricData(raw: PbMetric, path: string): MetricData {
  switch (raw.data) {
    case undefined:
      return { type: 'none' };
    case 'exponentialHistogram': {
      const histogram = raw.exponentialHistogram;
      return {
        type: 'exponentialHistogram',
        aggregationTemporality: histogram?.aggregationTemporality ?? 0,
        dataPoints: (histogram?.dataPoints ?? []).map((point, index) =>
          exponentialHistogramDataPoint(point, `${path}.exponential_histogram.data_points[${index}]`),
        ),
      };
    }
    case 'gauge':
    case 'sum':
    case 'histogram':
    case 'summary':
      return { type: raw.data, dataPointCount: raw[raw.data]?.dataPoints.length ?? 0 };
  }
}

function metric(raw: PbMetric, path: string): Metric {
  return {
    name: raw.name,
    description: raw.description,
    unit: raw.unit,
    data: metricData(raw, path),
    metadata: keyValues(raw.metadata),
  };
}

/** protobuf decoding, then mapping to the model; both failures name the request type. */
function decodeRequest<Raw, Decoded>(
  type: 'exportTraceServiceRequest' | 'exportMetricsServiceRequest',
  payload: Uint8Array,
  toModel: (raw: Raw) => Decoded,
): Decoded {
  const messageType = otlpMessageTypes()[type];
  let raw: Raw;
  try {
    raw = messageType.decode(payload) as unknown as Raw;
  } catch (err) {
    throw new OtlpDecodeError(`malformed ${messageType.name}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return toModel(raw);
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw new OtlpDecodeError(`invalid ${messageType.name}: ${err.message}`);
    throw err;
  }
}

/**
 * Decodes an OTLP ExportTraceServiceRequest (the otlp_proto payload on
 * otlp_spans). Throws OtlpDecodeError on bytes that are not one, or on spans
 * whose ids or times make no sense.
 */
export function decodeExportTraceServiceRequest(payload: Uint8Array): ExportTraceServiceRequest {
  return decodeRequest('exportTraceServiceRequest', payload, (raw: PbTraceRequest) => ({
    resourceSpans: raw.resourceSpans.map(
      (resourceSpans, r): ResourceSpans => ({
        resource: resource(resourceSpans.resource),
        scopeSpans: resourceSpans.scopeSpans.map((scopeSpans, s) => ({
          scope: scope(scopeSpans.scope),
          spans: scopeSpans.spans.map((entry, i) => span(entry, `resource_spans[${r}].scope_spans[${s}].spans[${i}]`)),
          schemaUrl: scopeSpans.schemaUrl,
        })),
        schemaUrl: resourceSpans.schemaUrl,
      }),
    ),
  }));
}

/**
 * Decodes an OTLP ExportMetricsServiceRequest (the otlp_proto payload on
 * otlp_metrics). Concatenated requests decode as one (protobuf merge of the
 * repeated resource_metrics). Throws OtlpDecodeError on malformed input.
 */
export function decodeExportMetricsServiceRequest(payload: Uint8Array): ExportMetricsServiceRequest {
  return decodeRequest('exportMetricsServiceRequest', payload, (raw: PbMetricsRequest) => ({
    resourceMetrics: raw.resourceMetrics.map(
      (resourceMetrics, r): ResourceMetrics => ({
        resource: resource(resourceMetrics.resource),
        scopeMetrics: resourceMetrics.scopeMetrics.map((scopeMetrics, s) => ({
          scope: scope(scopeMetrics.scope),
          metrics: scopeMetrics.metrics.map((entry, i) => metric(entry, `resource_metrics[${r}].scope_metrics[${s}].metrics[${i}]`)),
          schemaUrl: scopeMetrics.schemaUrl,
        })),
        schemaUrl: resourceMetrics.schemaUrl,
      }),
    ),
  }));
}
