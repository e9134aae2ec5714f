// otel_metrics_exponential_histogram rows straight from an otlp_proto
// ExportMetricsServiceRequest, the way spans go (trace-row-binary.ts): strings
// and counts are copied from the payload into RowBinary, with no decoded
// request, row objects or text in between, which is most of what the decoded
// way costs a point (docs/benchmarks.md, ingest). It takes what agents send: a
// request whose every metric is an exponential histogram, with points without
// exemplars, and attribute values that are scalars or arrays of scalars.
// Anything else, and anything malformed, gives undefined, and the request goes
// the decoded way (decodeExportMetricsServiceRequest + metricRows), which also
// tells what is wrong with a bad one. Both ways write the same bytes
// (metric-row-binary.test.ts).
import { isOtlpJsonPayload } from './otlp-json.js';
import {
  Attribute,
  I64,
  LEN,
  PAIR,
  Reader,
  VARINT,
  attributeAt,
  encodeRequestRows,
  fixed64,
  newHalves,
  notTaken,
  readAttribute,
  rowLayout,
  sortAttributes,
  stringField,
  writeMap,
  type Halves,
  type ResourceCells,
  type RowLayout,
} from './otlp-proto-walk.js';
import { RowBinaryWriter, type EncodedRow } from './row-binary.js';
import { Tables } from './rows.js';

/** What every point of one metric shares: where it comes from. */
interface MetricContext {
  resource: ResourceCells;
  resourceSchemaUrl: [number, number];
  scopeName: [number, number];
  scopeVersion: [number, number];
  /** The scope's attributes as a Map(String, String). */
  scopeAttributes: Buffer;
  scopeDroppedAttributes: number;
  scopeSchemaUrl: [number, number];
  name: [number, number];
  description: [number, number];
  unit: [number, number];
  aggregationTemporality: number;
}

/** A Buckets message: its offset and its counts, each as the low and high halves of a uint64. */
class Buckets {
  offset = 0;
  readonly counts: number[] = [];

  reset(): void {
    this.offset = 0;
    this.counts.length = 0;
  }
}

/** One point's fields, as offsets into the payload or values: one object for every point of a request, reset() for the next. */
class PointFields {
  readonly attributes: Attribute[] = [];
  attributeCount = 0;
  start = newHalves();
  time = newHalves();
  count = newHalves();
  /** -0 start: the fields hold doubles (see WIDE in otlp-proto-walk.ts). */
  sum = -0;
  scale = 0;
  zeroCount = newHalves();
  readonly positive = new Buckets();
  readonly negative = new Buckets();
  flags = -0;
  min = -0;
  max = -0;

  reset(): void {
    this.attributeCount = 0;
    this.start.low = this.start.high = this.time.low = this.time.high = 0;
    this.count.low = this.count.high = this.zeroCount.low = this.zeroCount.high = 0;
    this.sum = this.min = this.max = 0;
    this.scale = 0;
    this.positive.reset();
    this.negative.reset();
    this.flags = 0;
  }

  nextAttribute(): Attribute {
    return (this.attributes[this.attributeCount++] ??= new Attribute());
  }
}

const zigzag = (value: number) => ((value >>> 1) ^ -(value & 1)) | 0;

function doubleField(reader: Reader, tag: number): number {
  Reader.expect(tag, I64);
  reader.advance(8);
  return reader.bytes.readDoubleLE(reader.pos - 8);
}

const count = newHalves();
const PACKED = new Reader(Buffer.alloc(0), 0, 0);

/** A repeated uint64 field, packed or not, appended to `into` as halves. */
function uint64s(reader: Reader, tag: number, into: number[]): void {
  if ((tag & 7) === LEN) {
    const packed = reader.subInto(PACKED);
    while (packed.more()) {
      packed.varint64(count);
      into.push(count.low, count.high);
    }
    return;
  }
  Reader.expect(tag, VARINT);
  reader.varint64(count);
  into.push(count.low, count.high);
}

/** A Buckets message; a second one of the same field replaces the first, as protobufjs decodes it. */
function bucketsAt(reader: Reader, into: Buckets): void {
  into.reset();
  while (reader.more()) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, VARINT);
      into.offset = zigzag(reader.uint32());
    } else if (field === 2) uint64s(reader, tag, into.counts);
    else reader.skip(tag & 7);
  }
}

function pointAt(fields: Reader, point: PointFields): void {
  point.reset();
  while (fields.more()) {
    const tag = fields.uint32();
    switch (tag >>> 3) {
      case 1:
        Reader.expect(tag, LEN);
        attributeAt(fields.subInto(PAIR), point.nextAttribute());
        break;
      case 2:
        fixed64(fields, tag, point.start);
        break;
      case 3:
        fixed64(fields, tag, point.time);
        break;
      case 4:
        fixed64(fields, tag, point.count);
        break;
      case 5:
        point.sum = doubleField(fields, tag);
        break;
      case 6:
        Reader.expect(tag, VARINT);
        point.scale = zigzag(fields.uint32());
        break;
      case 7:
        fixed64(fields, tag, point.zeroCount);
        break;
      case 8:
        Reader.expect(tag, LEN);
        bucketsAt(fields.sub(), point.positive);
        break;
      case 9:
        Reader.expect(tag, LEN);
        bucketsAt(fields.sub(), point.negative);
        break;
      case 10:
        Reader.expect(tag, VARINT);
        point.flags = fields.uint32();
        break;
      case 11:
        // Exemplars: the decoded way.
        throw notTaken;
      case 12:
        point.min = doubleField(fields, tag);
        break;
      case 13:
        point.max = doubleField(fields, tag);
        break;
      case 14:
        fields.skipKnown(tag, I64);
        break;
      default:
        fields.skip(tag & 7);
    }
  }
}

type ColumnWriter = (writer: RowBinaryWriter, bytes: Buffer, point: PointFields, context: MetricContext) => void;

const range = (field: (context: MetricContext) => [number, number]): ColumnWriter => (writer, bytes, _point, context) => {
  const [start, end] = field(context);
  writer.rawBytes(bytes, start, end);
};
const halves = (field: (point: PointFields) => Halves): ColumnWriter => (writer, _bytes, point) => {
  const { low, high } = field(point);
  writer.int64Halves(low, high);
};
/** A Float64 as the decoded way writes it: every NaN as the one NaN its codec writes. */
const float64 = (field: (point: PointFields) => number): ColumnWriter => (writer, _bytes, point) => {
  const value = field(point);
  writer.float(Number.isNaN(value) ? NaN : value, 8);
};
const counts = (field: (point: PointFields) => Buckets): ColumnWriter => (writer, _bytes, point) => {
  const { counts: values } = field(point);
  writer.varUInt(values.length / 2);
  for (let index = 0; index < values.length; index += 2) writer.int64Halves(values[index]!, values[index + 1]!);
};
const emptyArray: ColumnWriter = (writer) => writer.varUInt(0);

/** The otel_metrics_exponential_histogram columns this encoder writes and the type it writes each as (see rowLayout). */
const COLUMN_WRITERS: Record<string, readonly [type: string, write: ColumnWriter]> = {
  ResourceAttributes: ['Map(String, String)', (writer, _bytes, _point, context) => writer.append(context.resource.resourceMap)],
  ResourceSchemaUrl: ['String', range((context) => context.resourceSchemaUrl)],
  ScopeName: ['String', range((context) => context.scopeName)],
  ScopeVersion: ['String', range((context) => context.scopeVersion)],
  ScopeAttributes: ['Map(String, String)', (writer, _bytes, _point, context) => writer.append(context.scopeAttributes)],
  ScopeDroppedAttrCount: ['UInt32', (writer, _bytes, _point, context) => writer.int(context.scopeDroppedAttributes, 4, false)],
  ScopeSchemaUrl: ['String', range((context) => context.scopeSchemaUrl)],
  ServiceName: ['String', (writer, _bytes, _point, context) => writer.append(context.resource.serviceName)],
  MetricName: ['String', range((context) => context.name)],
  MetricDescription: ['String', range((context) => context.description)],
  MetricUnit: ['String', range((context) => context.unit)],
  Attributes: ['Map(String, String)', (writer, bytes, point) => writeMap(writer, bytes, point.attributes, point.attributeCount)],
  StartTimeUnix: ['DateTime64(9)', halves((point) => point.start)],
  TimeUnix: ['DateTime64(9)', halves((point) => point.time)],
  Count: ['UInt64', halves((point) => point.count)],
  Sum: ['Float64', float64((point) => point.sum)],
  Scale: ['Int32', (writer, _bytes, point) => writer.int(point.scale, 4, true)],
  ZeroCount: ['UInt64', halves((point) => point.zeroCount)],
  PositiveOffset: ['Int32', (writer, _bytes, point) => writer.int(point.positive.offset, 4, true)],
  PositiveBucketCounts: ['Array(UInt64)', counts((point) => point.positive)],
  NegativeOffset: ['Int32', (writer, _bytes, point) => writer.int(point.negative.offset, 4, true)],
  NegativeBucketCounts: ['Array(UInt64)', counts((point) => point.negative)],
  'Exemplars.FilteredAttributes': ['Array', emptyArray],
  'Exemplars.TimeUnix': ['Array', emptyArray],
  'Exemplars.Value': ['Array', emptyArray],
  'Exemplars.SpanId': ['Array', emptyArray],
  'Exemplars.TraceId': ['Array', emptyArray],
  Flags: ['UInt32', (writer, _bytes, point) => writer.int(point.flags, 4, false)],
  Min: ['Float64', float64((point) => point.min)],
  Max: ['Float64', float64((point) => point.max)],
  AggregationTemporality: ['Int32', (writer, _bytes, _point, context) => writer.int(context.aggregationTemporality, 4, true)],
};

/** The columns of an encoded row, in insert order, with their writers. */
export type ExponentialHistogramRowLayout = RowLayout<ColumnWriter>;

/** The layout for otel_metrics_exponential_histogram as DESCRIBE TABLE gives its stored columns, or why this encoder cannot write it. */
export function exponentialHistogramRowLayout(described: readonly { name: string; type: string }[]): ExponentialHistogramRowLayout | { unsupported: string } {
  return rowLayout(Tables.exponentialHistograms, described, COLUMN_WRITERS);
}

interface RowSink {
  layout: ExponentialHistogramRowLayout;
  writer: RowBinaryWriter;
  rowEnds: number[];
  point: PointFields;
}

const POINT = new Reader(Buffer.alloc(0), 0, 0);

/** The points of one ExponentialHistogram message, each a row. */
function histogramAt(histogram: Reader, context: MetricContext, out: RowSink): void {
  const bytes = histogram.bytes;
  /** Each point's [start, end): the temporality may follow them. */
  const points: number[] = [];
  context.aggregationTemporality = 0;
  while (histogram.more()) {
    const tag = histogram.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      const end = histogram.length();
      points.push(histogram.pos, end);
      histogram.pos = end;
    } else if (field === 2) {
      Reader.expect(tag, VARINT);
      context.aggregationTemporality = histogram.uint32() | 0;
    } else histogram.skip(tag & 7);
  }
  const { point, writer, layout } = out;
  for (let index = 0; index < points.length; index += 2) {
    POINT.bytes = bytes;
    POINT.pos = points[index]!;
    POINT.end = points[index + 1]!;
    pointAt(POINT, point);
    sortAttributes(bytes, point.attributes, point.attributeCount);
    const writers = layout.writers;
    for (let column = 0; column < writers.length; column++) writers[column]!(writer, bytes, point, context);
    out.rowEnds.push(writer.length);
  }
}

/** One Metric: an exponential histogram, or not taken (another kind, or none: those are the decoded way's). */
function metricAt(metric: Reader, context: MetricContext, out: RowSink): void {
  context.name = [0, 0];
  context.description = [0, 0];
  context.unit = [0, 0];
  let histogram: Reader | undefined;
  while (metric.more()) {
    const tag = metric.uint32();
    switch (tag >>> 3) {
      case 1:
        context.name = stringField(metric, tag);
        break;
      case 2:
        context.description = stringField(metric, tag);
        break;
      case 3:
        context.unit = stringField(metric, tag);
        break;
      case 10:
        // A second one replaces the first, as protobufjs decodes it.
        Reader.expect(tag, LEN);
        histogram = metric.sub();
        break;
      case 5:
      case 7:
      case 9:
      case 11:
        throw notTaken;
      case 12:
        readAttribute(metric, tag, []);
        break;
      default:
        metric.skip(tag & 7);
    }
  }
  if (!histogram) throw notTaken;
  histogramAt(histogram, context, out);
}

function scopeAt(scope: Reader, context: MetricContext): void {
  const attributes: Attribute[] = [];
  context.scopeName = [0, 0];
  context.scopeVersion = [0, 0];
  context.scopeDroppedAttributes = 0;
  while (scope.more()) {
    const tag = scope.uint32();
    const field = tag >>> 3;
    if (field === 1) context.scopeName = stringField(scope, tag);
    else if (field === 2) context.scopeVersion = stringField(scope, tag);
    else if (field === 3) readAttribute(scope, tag, attributes);
    else if (field === 4) {
      Reader.expect(tag, VARINT);
      context.scopeDroppedAttributes = scope.uint32();
    } else scope.skip(tag & 7);
  }
  sortAttributes(scope.bytes, attributes);
  const map = new RowBinaryWriter(256);
  writeMap(map, scope.bytes, attributes);
  context.scopeAttributes = Buffer.from(map.bytes());
}

const EMPTY_MAP = Buffer.from([0]);

function scopeMetricsAt(scopeMetrics: Reader, resource: Pick<MetricContext, 'resource' | 'resourceSchemaUrl'>, out: RowSink): void {
  const context: MetricContext = {
    ...resource,
    scopeName: [0, 0],
    scopeVersion: [0, 0],
    scopeAttributes: EMPTY_MAP,
    scopeDroppedAttributes: 0,
    scopeSchemaUrl: [0, 0],
    name: [0, 0],
    description: [0, 0],
    unit: [0, 0],
    aggregationTemporality: 0,
  };
  // Metrics are written once the whole scope is read: the scope and its schema URL may follow them.
  const metrics: Reader[] = [];
  while (scopeMetrics.more()) {
    const tag = scopeMetrics.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      scopeAt(scopeMetrics.sub(), context);
    } else if (field === 2) {
      Reader.expect(tag, LEN);
      metrics.push(scopeMetrics.sub());
    } else if (field === 3) context.scopeSchemaUrl = stringField(scopeMetrics, tag);
    else scopeMetrics.skip(tag & 7);
  }
  for (const metric of metrics) metricAt(metric, context, out);
}

/**
 * The otel_metrics_exponential_histogram rows of an otlp_proto
 * ExportMetricsServiceRequest, encoded for `layout`; undefined for a request
 * this encoder does not take (see the top).
 */
export function encodeExponentialHistogramRows(payload: Uint8Array, layout: ExponentialHistogramRowLayout): EncodedRow[] | undefined {
  const out: RowSink = { layout, writer: new RowBinaryWriter(payload.length * 2), rowEnds: [], point: new PointFields() };
  return encodeRequestRows(payload, layout.columns, out, ({ resource, schemaUrl, scopes }) => {
    for (const scope of scopes) scopeMetricsAt(scope, { resource, resourceSchemaUrl: schemaUrl }, out);
  });
}
