import { isUtf8 } from 'node:buffer';
import type protobuf from 'protobufjs';
import { isOtlpJsonPayload, otlpJsonMessage } from './otlp-json.js';
import type {
  AnyValue,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  Exemplar,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  MetricData,
  NumberDataPoint,
  NumberValue,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  Span,
  SpanEvent,
  SpanLink,
  StoredText,
  SummaryDataPoint,
} from './otlp-model.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { otlpMessageTypes, otlpRawStringTypes } from './otlp-schema.js';

export { OtlpDecodeError };

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
/** A string field: a string, or its bytes when decoded with otlpRawStringTypes (an absent one then as an empty array). */
type PbText = string | PbBytes;
interface PbKeyValue {
  key: PbText;
  value: PbAnyValue | null;
}
interface PbAnyValue {
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
  stringValue: string | Uint8Array;
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
  name: PbText;
  version: PbText;
}
interface PbSpan {
  traceId: PbBytes;
  spanId: PbBytes;
  traceState: PbText;
  parentSpanId: PbBytes;
  flags: number;
  name: PbText;
  kind: number;
  startTimeUnixNano: PbInt64;
  endTimeUnixNano: PbInt64;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  events: { timeUnixNano: PbInt64; name: PbText; attributes: PbKeyValue[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: {
    traceId: PbBytes;
    spanId: PbBytes;
    traceState: PbText;
    attributes: PbKeyValue[];
    droppedAttributesCount: number;
    flags: number;
  }[];
  droppedLinksCount: number;
  status: { message: PbText; code: number } | null;
}
interface PbTraceRequest {
  resourceSpans: {
    resource: PbResource | null;
    scopeSpans: { scope: PbScope | null; spans: PbSpan[]; schemaUrl: PbText }[];
    schemaUrl: PbText;
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
interface PbNumberDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: PbInt64;
  timeUnixNano: PbInt64;
  value?: 'asDouble' | 'asInt';
  asDouble: number;
  asInt: PbInt64;
  exemplars: PbExemplar[];
  flags: number;
}
interface PbHistogramDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: PbInt64;
  timeUnixNano: PbInt64;
  count: PbInt64;
  sum: number | null;
  bucketCounts: PbInt64[];
  explicitBounds: number[];
  exemplars: PbExemplar[];
  flags: number;
  min: number | null;
  max: number | null;
}
interface PbSummaryDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: PbInt64;
  timeUnixNano: PbInt64;
  count: PbInt64;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
  flags: number;
}
interface PbMetric {
  name: PbText;
  description: PbText;
  unit: PbText;
  data?: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  gauge: { dataPoints: PbNumberDataPoint[] } | null;
  sum: { dataPoints: PbNumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram: { dataPoints: PbHistogramDataPoint[]; aggregationTemporality: number } | null;
  exponentialHistogram: { dataPoints: PbExponentialHistogramDataPoint[]; aggregationTemporality: number } | null;
  summary: { dataPoints: PbSummaryDataPoint[] } | null;
  metadata: PbKeyValue[];
}
interface PbMetricsRequest {
  resourceMetrics: {
    resource: PbResource | null;
    scopeMetrics: { scope: PbScope | null; metrics: PbMetric[]; schemaUrl: PbText }[];
    schemaUrl: PbText;
  }[];
}

interface PbLogRecord {
  timeUnixNano: PbInt64;
  observedTimeUnixNano: PbInt64;
  severityNumber: number;
  severityText: PbText;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: PbBytes;
  spanId: PbBytes;
  eventName: PbText;
}
interface PbLogsRequest {
  resourceLogs: {
    resource: PbResource | null;
    scopeLogs: { scope: PbScope | null; logRecords: PbLogRecord[]; schemaUrl: PbText }[];
    schemaUrl: PbText;
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

/**
 * Set when a string held U+FFFD: sent as such, or put there by the decoder
 * for bytes that are not UTF-8. The request is then decoded again with its
 * strings as bytes, so the bytes sent are kept (the Collector keeps them).
 * Valid UTF-8 without U+FFFD, the common case, costs one scan.
 */
let replacementSeen = false;

function textOf(raw: string | Uint8Array): { text: string; bytes?: Uint8Array } {
  if (typeof raw === 'string') {
    if (raw.includes('\uFFFD')) replacementSeen = true;
    return { text: raw };
  }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return isUtf8(bytes) ? { text: bytes.toString('utf8') } : { text: bytes.toString('utf8'), bytes: Uint8Array.from(bytes) };
}

function storedText(raw: PbText): StoredText {
  const { text, bytes: sent } = textOf(typeof raw === 'string' ? raw : bytes(raw));
  return sent ?? text;
}

function stringValue(raw: string | Uint8Array): AnyValue {
  if (typeof raw === 'string') {
    if (raw.includes('\uFFFD')) replacementSeen = true;
    return { type: 'string', value: raw };
  }
  const { text, bytes } = textOf(raw);
  return bytes ? { type: 'string', value: text, bytes } : { type: 'string', value: text };
}

function anyValue(raw: PbAnyValue | null): AnyValue {
  switch (raw?.value) {
    case undefined:
      return { type: 'empty' };
    case 'stringValue':
      return stringValue(raw.stringValue);
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

function keyValue(raw: PbKeyValue): KeyValue {
  if (typeof raw.key === 'string') {
    if (raw.key.includes('\uFFFD')) replacementSeen = true;
    return { key: raw.key, value: anyValue(raw.value) };
  }
  const { text, bytes: keyBytes } = textOf(bytes(raw.key));
  return keyBytes ? { key: text, keyBytes, value: anyValue(raw.value) } : { key: text, value: anyValue(raw.value) };
}

function keyValues(raw: readonly PbKeyValue[]): KeyValue[] {
  return raw.map(keyValue);
}

function resource(raw: PbResource | null): Resource {
  return { attributes: keyValues(raw?.attributes ?? []), droppedAttributesCount: raw?.droppedAttributesCount ?? 0 };
}

function scope(raw: PbScope | null): InstrumentationScope {
  return {
    name: storedText(raw?.name ?? ''),
    version: storedText(raw?.version ?? ''),
    attributes: keyValues(raw?.attributes ?? []),
    droppedAttributesCount: raw?.droppedAttributesCount ?? 0,
  };
}

function spanEvent(raw: PbSpan['events'][number]): SpanEvent {
  return {
    timeUnixNano: uint64(raw.timeUnixNano),
    name: storedText(raw.name),
    attributes: keyValues(raw.attributes),
    droppedAttributesCount: raw.droppedAttributesCount,
  };
}

function spanLink(raw: PbSpan['links'][number], path: string): SpanLink {
  return {
    traceId: validId(raw.traceId, TRACE_ID_BYTES, `${path}.trace_id`),
    spanId: validId(raw.spanId, SPAN_ID_BYTES, `${path}.span_id`),
    traceState: storedText(raw.traceState),
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
    traceState: storedText(raw.traceState),
    parentSpanId: emptyOrLength(bytes(raw.parentSpanId), SPAN_ID_BYTES, `${path}.parent_span_id`),
    flags: raw.flags,
    name: storedText(raw.name),
    kind: raw.kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes: keyValues(raw.attributes),
    droppedAttributesCount: raw.droppedAttributesCount,
    events: raw.events.map(spanEvent),
    droppedEventsCount: raw.droppedEventsCount,
    links: raw.links.map((link, index) => spanLink(link, `${path}.links[${index}]`)),
    droppedLinksCount: raw.droppedLinksCount,
    status: { message: storedText(raw.status?.message ?? ''), code: raw.status?.code ?? 0 },
  };
}

function numberValue(raw: { value?: 'asDouble' | 'asInt'; asDouble: number; asInt: PbInt64 }): NumberValue {
  switch (raw.value) {
    case 'asDouble':
      return { type: 'double', value: raw.asDouble };
    case 'asInt':
      return { type: 'int', value: int64(raw.asInt) };
    case undefined:
      return undefined;
  }
}

function exemplar(raw: PbExemplar, path: string): Exemplar {
  return {
    filteredAttributes: keyValues(raw.filteredAttributes),
    timeUnixNano: uint64(raw.timeUnixNano),
    value: numberValue(raw),
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
    exemplars: exemplars(raw.exemplars, path),
    min: raw.min ?? undefined,
    max: raw.max ?? undefined,
    zeroThreshold: raw.zeroThreshold,
  };
}

function exemplars(raw: readonly PbExemplar[], path: string): Exemplar[] {
  return raw.map((entry, index) => exemplar(entry, `${path}.exemplars[${index}]`));
}

function numberDataPoint(raw: PbNumberDataPoint, path: string): NumberDataPoint {
  return {
    attributes: keyValues(raw.attributes),
    startTimeUnixNano: uint64(raw.startTimeUnixNano),
    timeUnixNano: uint64(raw.timeUnixNano),
    value: numberValue(raw),
    exemplars: exemplars(raw.exemplars, path),
    flags: raw.flags,
  };
}

function histogramDataPoint(raw: PbHistogramDataPoint, path: string): HistogramDataPoint {
  const bucketCounts = raw.bucketCounts.map(uint64);
  // The spec allows no buckets at all, else exactly one more than bounds.
  if (bucketCounts.length !== 0 && bucketCounts.length !== raw.explicitBounds.length + 1) {
    throw new OtlpDecodeError(
      `${path} has ${bucketCounts.length} bucket_counts for ${raw.explicitBounds.length} explicit_bounds (want bounds + 1)`,
    );
  }
  return {
    attributes: keyValues(raw.attributes),
    startTimeUnixNano: uint64(raw.startTimeUnixNano),
    timeUnixNano: uint64(raw.timeUnixNano),
    count: uint64(raw.count),
    sum: raw.sum ?? undefined,
    bucketCounts,
    explicitBounds: [...raw.explicitBounds],
    exemplars: exemplars(raw.exemplars, path),
    flags: raw.flags,
    min: raw.min ?? undefined,
    max: raw.max ?? undefined,
  };
}

function summaryDataPoint(raw: PbSummaryDataPoint): SummaryDataPoint {
  return {
    attributes: keyValues(raw.attributes),
    startTimeUnixNano: uint64(raw.startTimeUnixNano),
    timeUnixNano: uint64(raw.timeUnixNano),
    count: uint64(raw.count),
    sum: raw.sum,
    quantileValues: raw.quantileValues.map(({ quantile, value }) => ({ quantile, value })),
    flags: raw.flags,
  };
}

function metricData(raw: PbMetric, path: string): MetricData {
  switch (raw.data) {
    case undefined:
      return { type: 'none' };
    case 'gauge':
      return {
        type: 'gauge',
        dataPoints: (raw.gauge?.dataPoints ?? []).map((point, index) => numberDataPoint(point, `${path}.gauge.data_points[${index}]`)),
      };
    case 'sum':
      return {
        type: 'sum',
        aggregationTemporality: raw.sum?.aggregationTemporality ?? 0,
        isMonotonic: raw.sum?.isMonotonic ?? false,
        dataPoints: (raw.sum?.dataPoints ?? []).map((point, index) => numberDataPoint(point, `${path}.sum.data_points[${index}]`)),
      };
    case 'histogram':
      return {
        type: 'histogram',
        aggregationTemporality: raw.histogram?.aggregationTemporality ?? 0,
        dataPoints: (raw.histogram?.dataPoints ?? []).map((point, index) =>
          histogramDataPoint(point, `${path}.histogram.data_points[${index}]`),
        ),
      };
    case 'summary':
      return { type: 'summary', dataPoints: (raw.summary?.dataPoints ?? []).map(summaryDataPoint) };
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
  }
}

function logRecord(raw: PbLogRecord, path: string): LogRecord {
  return {
    timeUnixNano: uint64(raw.timeUnixNano),
    observedTimeUnixNano: uint64(raw.observedTimeUnixNano),
    severityNumber: raw.severityNumber,
    severityText: storedText(raw.severityText),
    body: anyValue(raw.body),
    attributes: keyValues(raw.attributes),
    droppedAttributesCount: raw.droppedAttributesCount,
    flags: raw.flags,
    traceId: emptyOrLength(bytes(raw.traceId), TRACE_ID_BYTES, `${path}.trace_id`),
    spanId: emptyOrLength(bytes(raw.spanId), SPAN_ID_BYTES, `${path}.span_id`),
    eventName: storedText(raw.eventName),
  };
}

function metric(raw: PbMetric, path: string): Metric {
  return {
    name: storedText(raw.name),
    description: storedText(raw.description),
    unit: storedText(raw.unit),
    data: metricData(raw, path),
    metadata: keyValues(raw.metadata),
  };
}

/**
 * Decoding (otlp_json or otlp_proto, told apart per payload), then mapping to
 * the model; both failures name the request type.
 */
function decodeRequest<Raw, Decoded>(
  type: 'exportTraceServiceRequest' | 'exportMetricsServiceRequest' | 'exportLogsServiceRequest',
  payload: Uint8Array,
  toModel: (raw: Raw) => Decoded,
): Decoded {
  const messageType = otlpMessageTypes()[type];
  const json = isOtlpJsonPayload(payload);
  /** protobufjs throws plain errors on bytes it cannot read: bad input, whichever of the types reads them. */
  const decodeWith = (decode: () => protobuf.Message): Raw => {
    try {
      return decode() as unknown as Raw;
    } catch (err) {
      throw new OtlpDecodeError(`malformed ${messageType.name}: ${(err as Error).message}`, { cause: err });
    }
  };
  const raw = decodeWith(() => (json ? otlpJsonMessage(messageType, payload) : messageType.decode(payload)));
  try {
    replacementSeen = false;
    const decoded = toModel(raw);
    // JSON text is Unicode: its strings have no bytes of their own to keep.
    if (!replacementSeen || json) return decoded;
    return toModel(decodeWith(() => otlpRawStringTypes()[type].decode(payload)));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw new OtlpDecodeError(`invalid ${messageType.name}: ${err.message}`);
    throw err;
  }
}

/**
 * Decodes an OTLP ExportTraceServiceRequest (the otlp_proto or otlp_json
 * payload on otlp_spans). Throws OtlpDecodeError on bytes that are not one, or on spans
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
          schemaUrl: storedText(scopeSpans.schemaUrl),
        })),
        schemaUrl: storedText(resourceSpans.schemaUrl),
      }),
    ),
  }));
}

/**
 * Decodes an OTLP ExportMetricsServiceRequest (the otlp_proto or otlp_json
 * payload on otlp_metrics). Concatenated requests decode as one (protobuf merge of the
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
          schemaUrl: storedText(scopeMetrics.schemaUrl),
        })),
        schemaUrl: storedText(resourceMetrics.schemaUrl),
      }),
    ),
  }));
}

/**
 * Decodes an OTLP ExportLogsServiceRequest (the otlp_proto or otlp_json
 * payload on otlp_logs). Throws OtlpDecodeError on malformed input.
 */
export function decodeExportLogsServiceRequest(payload: Uint8Array): ExportLogsServiceRequest {
  return decodeRequest('exportLogsServiceRequest', payload, (raw: PbLogsRequest) => ({
    resourceLogs: raw.resourceLogs.map(
      (resourceLogs, r): ResourceLogs => ({
        resource: resource(resourceLogs.resource),
        scopeLogs: resourceLogs.scopeLogs.map((scopeLogs, s) => ({
          scope: scope(scopeLogs.scope),
          logRecords: scopeLogs.logRecords.map((entry, i) => logRecord(entry, `resource_logs[${r}].scope_logs[${s}].log_records[${i}]`)),
          schemaUrl: storedText(scopeLogs.schemaUrl),
        })),
        schemaUrl: storedText(resourceLogs.schemaUrl),
      }),
    ),
  }));
}
