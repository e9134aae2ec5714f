// Metric rows straight from an otlp_proto ExportMetricsServiceRequest, the way
// spans go (trace-row-binary.ts): strings and numbers are copied from the
// payload into RowBinary, with no decoded request, row objects or text in
// between, which is most of what the decoded way costs a point
// (docs/benchmarks.md, ingest). It takes what agents send: a request whose
// metrics are exponential histograms, sums and gauges, with points without
// exemplars, and attribute values that are scalars or arrays of scalars; their
// rows go to otel_metrics_exponential_histogram, otel_metrics_sum and
// otel_metrics_gauge. Anything else (explicit-bucket histograms, summaries, a
// metric without data), and anything malformed, gives undefined, and the
// request goes the decoded way (decodeExportMetricsServiceRequest +
// metricRows), which also tells what is wrong with a bad one. Both ways write
// the same bytes (metric-row-binary.test.ts).
import {
  Attribute,
  I64,
  LEN,
  PAIR,
  Reader,
  VARINT,
  attributeAt,
  encodedRows,
  fixed64,
  int64Number,
  newHalves,
  notTaken,
  readAttribute,
  rowLayout,
  scopeAt,
  sortAttributes,
  stringField,
  walkRequest,
  writeMap,
  type Halves,
  type ResourceCells,
  type RowLayout,
  type ScopeFields,
} from './otlp-proto-walk.js';
import { RowBinaryWriter, type EncodedRow } from './row-binary.js';
import { Tables, type TableName } from './rows.js';

/** What every point of one metric shares: where it comes from. */
interface MetricContext extends ScopeFields {
  resource: ResourceCells;
  resourceSchemaUrl: [number, number];
  /** The scope's attributes as a Map(String, String). */
  scopeAttributes: Buffer;
  scopeSchemaUrl: [number, number];
  name: [number, number];
  description: [number, number];
  unit: [number, number];
  aggregationTemporality: number;
  isMonotonic: boolean;
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

/** What every point has: its attributes, times and flags, as offsets into the payload or values. */
class PointFields {
  readonly attributes: Attribute[] = [];
  attributeCount = 0;
  start = newHalves();
  time = newHalves();
  flags = -0;

  reset(): void {
    this.attributeCount = 0;
    this.start.low = this.start.high = this.time.low = this.time.high = 0;
    this.flags = 0;
  }

  nextAttribute(): Attribute {
    return (this.attributes[this.attributeCount++] ??= new Attribute());
  }
}

/** An ExponentialHistogramDataPoint: one object for every such point of a request, reset() for the next. */
class HistogramPoint extends PointFields {
  count = newHalves();
  /** -0 start: the fields hold doubles (see WIDE in otlp-proto-walk.ts). */
  sum = -0;
  scale = 0;
  zeroCount = newHalves();
  readonly positive = new Buckets();
  readonly negative = new Buckets();
  min = -0;
  max = -0;

  override reset(): void {
    super.reset();
    this.count.low = this.count.high = this.zeroCount.low = this.zeroCount.high = 0;
    this.sum = this.min = this.max = 0;
    this.scale = 0;
    this.positive.reset();
    this.negative.reset();
  }
}

/** A NumberDataPoint of a gauge or a sum, its value as the Float64 the decoded way stores. */
class NumberPoint extends PointFields {
  value = -0;

  override reset(): void {
    super.reset();
    this.value = 0;
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

function histogramPointAt(fields: Reader, point: HistogramPoint): void {
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

const int64 = newHalves();

/** A NumberDataPoint; of its value (a oneof) the last one sent, as protobufjs decodes it. */
function numberPointAt(fields: Reader, point: NumberPoint): void {
  point.reset();
  while (fields.more()) {
    const tag = fields.uint32();
    switch (tag >>> 3) {
      case 7:
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
        point.value = doubleField(fields, tag);
        break;
      case 6:
        // sfixed64, widened to a double as the decoded way does (Number of its bigint).
        fixed64(fields, tag, int64);
        point.value = int64Number(int64.low, int64.high);
        break;
      case 5:
        // Exemplars: the decoded way.
        throw notTaken;
      case 8:
        Reader.expect(tag, VARINT);
        point.flags = fields.uint32();
        break;
      default:
        fields.skip(tag & 7);
    }
  }
}

type ColumnWriter<Point extends PointFields> = (writer: RowBinaryWriter, bytes: Buffer, point: Point, context: MetricContext) => void;
type Columns<Point extends PointFields> = Record<string, readonly [type: string, write: ColumnWriter<Point>]>;

const range = (field: (context: MetricContext) => [number, number]): ColumnWriter<PointFields> => (writer, bytes, _point, context) => {
  const [start, end] = field(context);
  writer.rawBytes(bytes, start, end);
};
const halves = <Point extends PointFields>(field: (point: Point) => Halves): ColumnWriter<Point> => (writer, _bytes, point) => {
  const { low, high } = field(point);
  writer.int64Halves(low, high);
};
/** A Float64 as the decoded way writes it: every NaN as the one NaN its codec writes. */
const float64 = <Point extends PointFields>(field: (point: Point) => number): ColumnWriter<Point> => (writer, _bytes, point) => {
  const value = field(point);
  writer.float(Number.isNaN(value) ? NaN : value, 8);
};
const counts = (field: (point: HistogramPoint) => Buckets): ColumnWriter<HistogramPoint> => (writer, _bytes, point) => {
  const { counts: values } = field(point);
  writer.varUInt(values.length / 2);
  for (let index = 0; index < values.length; index += 2) writer.int64Halves(values[index]!, values[index + 1]!);
};
const emptyArray: ColumnWriter<PointFields> = (writer) => writer.varUInt(0);

/** The columns every metric table has, and the type each is written as (see rowLayout). */
const POINT_COLUMNS: Columns<PointFields> = {
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
  Flags: ['UInt32', (writer, _bytes, point) => writer.int(point.flags, 4, false)],
  'Exemplars.FilteredAttributes': ['Array', emptyArray],
  'Exemplars.TimeUnix': ['Array', emptyArray],
  'Exemplars.Value': ['Array', emptyArray],
  'Exemplars.SpanId': ['Array', emptyArray],
  'Exemplars.TraceId': ['Array', emptyArray],
};
const temporality: ColumnWriter<PointFields> = (writer, _bytes, _point, context) => writer.int(context.aggregationTemporality, 4, true);

const HISTOGRAM_COLUMNS: Columns<HistogramPoint> = {
  ...POINT_COLUMNS,
  Count: ['UInt64', halves((point) => point.count)],
  Sum: ['Float64', float64((point) => point.sum)],
  Scale: ['Int32', (writer, _bytes, point) => writer.int(point.scale, 4, true)],
  ZeroCount: ['UInt64', halves((point) => point.zeroCount)],
  PositiveOffset: ['Int32', (writer, _bytes, point) => writer.int(point.positive.offset, 4, true)],
  PositiveBucketCounts: ['Array(UInt64)', counts((point) => point.positive)],
  NegativeOffset: ['Int32', (writer, _bytes, point) => writer.int(point.negative.offset, 4, true)],
  NegativeBucketCounts: ['Array(UInt64)', counts((point) => point.negative)],
  Min: ['Float64', float64((point) => point.min)],
  Max: ['Float64', float64((point) => point.max)],
  AggregationTemporality: ['Int32', temporality],
};
const GAUGE_COLUMNS: Columns<NumberPoint> = { ...POINT_COLUMNS, Value: ['Float64', float64((point) => point.value)] };
const SUM_COLUMNS: Columns<NumberPoint> = {
  ...GAUGE_COLUMNS,
  AggregationTemporality: ['Int32', temporality],
  IsMonotonic: ['Bool', (writer, _bytes, _point, context) => writer.int(context.isMonotonic ? 1 : 0, 1, false)],
};

/** The three tables' layouts, as DESCRIBE TABLE gives their stored columns. */
export interface MetricRowLayouts {
  exponentialHistograms: RowLayout<ColumnWriter<HistogramPoint>>;
  sums: RowLayout<ColumnWriter<NumberPoint>>;
  gauges: RowLayout<ColumnWriter<NumberPoint>>;
}

/** The tables this encoder writes. */
export const METRIC_ROW_TABLES = [Tables.exponentialHistograms, Tables.sums, Tables.gauges] as const;

/** The layouts for the tables' stored columns (DESCRIBE TABLE of each), or why this encoder cannot write one of them. */
export function metricRowLayouts(described: ReadonlyMap<TableName, readonly { name: string; type: string }[]>): MetricRowLayouts | { unsupported: string } {
  const columnsOf = (table: TableName) => described.get(table) ?? [];
  const exponentialHistograms = rowLayout(Tables.exponentialHistograms, columnsOf(Tables.exponentialHistograms), HISTOGRAM_COLUMNS);
  if ('unsupported' in exponentialHistograms) return exponentialHistograms;
  const sums = rowLayout(Tables.sums, columnsOf(Tables.sums), SUM_COLUMNS);
  if ('unsupported' in sums) return sums;
  const gauges = rowLayout(Tables.gauges, columnsOf(Tables.gauges), GAUGE_COLUMNS);
  if ('unsupported' in gauges) return gauges;
  return { exponentialHistograms, sums, gauges };
}

/** One table's rows of a request, one after another in `writer` (made at the first row). */
class TableRows<Point extends PointFields> {
  writer: RowBinaryWriter | undefined;
  readonly rowEnds: number[] = [];

  constructor(
    readonly layout: RowLayout<ColumnWriter<Point>>,
    readonly point: Point,
    private readonly initialBytes: number,
  ) {}

  write(bytes: Buffer, context: MetricContext): void {
    const writer = (this.writer ??= new RowBinaryWriter(this.initialBytes));
    const { point } = this;
    sortAttributes(bytes, point.attributes, point.attributeCount);
    const writers = this.layout.writers;
    for (let column = 0; column < writers.length; column++) writers[column]!(writer, bytes, point, context);
    this.rowEnds.push(writer.length);
  }

  rows(): EncodedRow[] {
    return this.writer ? encodedRows(this.writer.finish(), this.rowEnds, this.layout.columns) : [];
  }
}

interface RowSink {
  histograms: TableRows<HistogramPoint>;
  sums: TableRows<NumberPoint>;
  gauges: TableRows<NumberPoint>;
}

const POINT = new Reader(Buffer.alloc(0), 0, 0);

/**
 * An ExponentialHistogram, Sum or Gauge message (data points = 1,
 * aggregation_temporality = 2, is_monotonic = 3): each point a row of `rows`.
 */
function pointsAt<Point extends PointFields>(data: Reader, context: MetricContext, rows: TableRows<Point>, pointAt: (fields: Reader, point: Point) => void): void {
  const bytes = data.bytes;
  /** Each point's [start, end): the temporality may follow them. */
  const points: number[] = [];
  context.aggregationTemporality = 0;
  context.isMonotonic = false;
  while (data.more()) {
    const tag = data.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      const end = data.length();
      points.push(data.pos, end);
      data.pos = end;
    } else if (field === 2) {
      Reader.expect(tag, VARINT);
      context.aggregationTemporality = data.uint32() | 0;
    } else if (field === 3) {
      Reader.expect(tag, VARINT);
      context.isMonotonic = data.uint32() !== 0;
    } else data.skip(tag & 7);
  }
  for (let index = 0; index < points.length; index += 2) {
    POINT.bytes = bytes;
    POINT.pos = points[index]!;
    POINT.end = points[index + 1]!;
    pointAt(POINT, rows.point);
    rows.write(bytes, context);
  }
}

const GAUGE = 5;
const SUM = 7;
const EXPONENTIAL_HISTOGRAM = 10;

/**
 * One Metric: an exponential histogram, a sum or a gauge. Not taken: another
 * kind, none, or data sent twice (those are the decoded way's).
 */
function metricAt(metric: Reader, context: MetricContext, out: RowSink): void {
  context.name = [0, 0];
  context.description = [0, 0];
  context.unit = [0, 0];
  let data: Reader | undefined;
  let kind = 0;
  while (metric.more()) {
    const tag = metric.uint32();
    const field = tag >>> 3;
    switch (field) {
      case 1:
        context.name = stringField(metric, tag);
        break;
      case 2:
        context.description = stringField(metric, tag);
        break;
      case 3:
        context.unit = stringField(metric, tag);
        break;
      case GAUGE:
      case SUM:
      case EXPONENTIAL_HISTOGRAM:
        // Data sent twice: which one protobufjs's oneof then names depends on the order its fields were first set.
        if (data) throw notTaken;
        Reader.expect(tag, LEN);
        data = metric.sub();
        kind = field;
        break;
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
  if (!data) throw notTaken;
  if (kind === EXPONENTIAL_HISTOGRAM) pointsAt(data, context, out.histograms, histogramPointAt);
  else pointsAt(data, context, kind === SUM ? out.sums : out.gauges, numberPointAt);
}

/** The scope's fields into `context`, its attributes as one Map(String, String) cell. */
function scopeWithAttributesAt(scope: Reader, context: MetricContext): void {
  const attributes: Attribute[] = [];
  scopeAt(scope, context, attributes);
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
    isMonotonic: false,
  };
  // Metrics are written once the whole scope is read: the scope and its schema URL may follow them.
  const metrics: Reader[] = [];
  while (scopeMetrics.more()) {
    const tag = scopeMetrics.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      scopeWithAttributesAt(scopeMetrics.sub(), context);
    } else if (field === 2) {
      Reader.expect(tag, LEN);
      metrics.push(scopeMetrics.sub());
    } else if (field === 3) context.scopeSchemaUrl = stringField(scopeMetrics, tag);
    else scopeMetrics.skip(tag & 7);
  }
  for (const metric of metrics) metricAt(metric, context, out);
}

/**
 * The rows of an otlp_proto ExportMetricsServiceRequest for the tables it
 * has points of, encoded for `layouts`; undefined for a request this encoder
 * does not take (see the top).
 */
export function encodeMetricRows(payload: Uint8Array, layouts: MetricRowLayouts): Map<TableName, EncodedRow[]> | undefined {
  const out: RowSink = {
    histograms: new TableRows(layouts.exponentialHistograms, new HistogramPoint(), payload.length * 2),
    sums: new TableRows(layouts.sums, new NumberPoint(), 4096),
    gauges: new TableRows(layouts.gauges, new NumberPoint(), 4096),
  };
  const taken = walkRequest(payload, ({ resource, schemaUrl, scopes }) => {
    for (const scope of scopes) scopeMetricsAt(scope, { resource, resourceSchemaUrl: schemaUrl }, out);
  });
  if (!taken) return undefined;
  const rows = new Map<TableName, EncodedRow[]>();
  for (const [table, tableRows] of [[Tables.exponentialHistograms, out.histograms], [Tables.sums, out.sums], [Tables.gauges, out.gauges]] as const) {
    if (tableRows.rowEnds.length > 0) rows.set(table, tableRows.rows());
  }
  return rows;
}
