// Decoded OTLP metrics -> rows of the exporter's five metric tables, column for
// column as the OpenTelemetry Collector's ClickHouse exporter fills them
// (schemas/migrations 0002 and 0008-0011).
import { ResourceAttr } from '@stallscope/schemas';
import { attributeString, attributesAsStrings } from './attribute-strings.js';
import { dateTime64NanosText, float64Value, hexId, uint64Text } from './clickhouse-values.js';
import type {
  ExponentialHistogramDataPoint,
  Exemplar,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  NumberValue,
  StoredText,
  SummaryDataPoint,
} from './otlp-model.js';
import type { StoredMap } from './stored-map.js';

/** A Float64 column value (see float64Value). */
type Float64Json = ReturnType<typeof float64Value>;

/** The columns every metric table starts with: where the point comes from. */
export interface MetricIdentityColumns {
  ResourceAttributes: StoredMap;
  ResourceSchemaUrl: StoredText;
  ScopeName: StoredText;
  ScopeVersion: StoredText;
  ScopeAttributes: StoredMap;
  ScopeDroppedAttrCount: number;
  ScopeSchemaUrl: StoredText;
  ServiceName: StoredText;
  MetricName: StoredText;
  MetricDescription: StoredText;
  MetricUnit: StoredText;
}

/** The point's own attributes and times, common to every metric table. */
export interface PointColumns {
  Attributes: StoredMap;
  StartTimeUnix: string;
  TimeUnix: string;
}

/** The Exemplars Nested columns, as parallel arrays. */
export interface ExemplarColumns {
  'Exemplars.FilteredAttributes': StoredMap[];
  'Exemplars.TimeUnix': string[];
  'Exemplars.Value': Float64Json[];
  'Exemplars.SpanId': string[];
  'Exemplars.TraceId': string[];
}

/** One row of otel_metrics_gauge. */
export interface OtelGaugeRow extends MetricIdentityColumns, PointColumns, ExemplarColumns {
  Value: Float64Json;
  Flags: number;
}

/** One row of otel_metrics_sum. */
export interface OtelSumRow extends OtelGaugeRow {
  AggregationTemporality: number;
  IsMonotonic: boolean;
}

/** One row of otel_metrics_histogram. */
export interface OtelHistogramRow extends MetricIdentityColumns, PointColumns, ExemplarColumns {
  Count: string;
  Sum: Float64Json;
  BucketCounts: string[];
  ExplicitBounds: Float64Json[];
  Flags: number;
  Min: Float64Json;
  Max: Float64Json;
  AggregationTemporality: number;
}

/** One row of otel_metrics_exponential_histogram. */
export interface OtelExponentialHistogramRow extends MetricIdentityColumns, PointColumns, ExemplarColumns {
  Count: string;
  Sum: Float64Json;
  Scale: number;
  ZeroCount: string;
  PositiveOffset: number;
  PositiveBucketCounts: string[];
  NegativeOffset: number;
  NegativeBucketCounts: string[];
  Flags: number;
  Min: Float64Json;
  Max: Float64Json;
  AggregationTemporality: number;
}

/** One row of otel_metrics_summary. */
export interface OtelSummaryRow extends MetricIdentityColumns, PointColumns {
  Count: string;
  Sum: Float64Json;
  'ValueAtQuantiles.Quantile': Float64Json[];
  'ValueAtQuantiles.Value': Float64Json[];
  Flags: number;
}

export interface MetricRows {
  gauges: OtelGaugeRow[];
  sums: OtelSumRow[];
  histograms: OtelHistogramRow[];
  exponentialHistograms: OtelExponentialHistogramRow[];
  summaries: OtelSummaryRow[];
  /** Metrics whose data is unset or of a kind newer than our .proto subset: no points to store. */
  metricsWithoutData: number;
}

// The exporter writes ids of exemplars from unsampled spans as zero ids, not ''.
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** The exporter's getValue: ints widened to float64, an unset value as 0. */
function numberAsFloat64(value: NumberValue): Float64Json {
  if (value === undefined) return 0;
  return float64Value(value.type === 'double' ? value.value : Number(value.value));
}

function exemplarColumns(exemplars: readonly Exemplar[]): ExemplarColumns {
  return {
    'Exemplars.FilteredAttributes': exemplars.map((exemplar) => attributesAsStrings(exemplar.filteredAttributes)),
    'Exemplars.TimeUnix': exemplars.map((exemplar) => dateTime64NanosText(exemplar.timeUnixNano)),
    'Exemplars.Value': exemplars.map((exemplar) => numberAsFloat64(exemplar.value)),
    'Exemplars.SpanId': exemplars.map((exemplar) => (exemplar.spanId.length ? hexId(exemplar.spanId) : ZERO_SPAN_ID)),
    'Exemplars.TraceId': exemplars.map((exemplar) => (exemplar.traceId.length ? hexId(exemplar.traceId) : ZERO_TRACE_ID)),
  };
}

function pointColumns(point: { attributes: NumberDataPoint['attributes']; startTimeUnixNano: bigint; timeUnixNano: bigint }): PointColumns {
  return {
    Attributes: attributesAsStrings(point.attributes),
    StartTimeUnix: dateTime64NanosText(point.startTimeUnixNano),
    TimeUnix: dateTime64NanosText(point.timeUnixNano),
  };
}

function gaugeRow(identity: MetricIdentityColumns, point: NumberDataPoint): OtelGaugeRow {
  return {
    ...identity,
    ...pointColumns(point),
    Value: numberAsFloat64(point.value),
    Flags: point.flags,
    ...exemplarColumns(point.exemplars),
  };
}

function histogramRow(identity: MetricIdentityColumns, point: HistogramDataPoint, aggregationTemporality: number): OtelHistogramRow {
  return {
    ...identity,
    ...pointColumns(point),
    Count: uint64Text(point.count),
    Sum: float64Value(point.sum ?? 0),
    BucketCounts: point.bucketCounts.map(uint64Text),
    ExplicitBounds: point.explicitBounds.map(float64Value),
    ...exemplarColumns(point.exemplars),
    Flags: point.flags,
    Min: float64Value(point.min ?? 0),
    Max: float64Value(point.max ?? 0),
    AggregationTemporality: aggregationTemporality,
  };
}

function exponentialHistogramRow(
  identity: MetricIdentityColumns,
  point: ExponentialHistogramDataPoint,
  aggregationTemporality: number,
): OtelExponentialHistogramRow {
  return {
    ...identity,
    ...pointColumns(point),
    Count: uint64Text(point.count),
    Sum: float64Value(point.sum ?? 0),
    Scale: point.scale,
    ZeroCount: uint64Text(point.zeroCount),
    PositiveOffset: point.positive.offset,
    PositiveBucketCounts: point.positive.bucketCounts.map(uint64Text),
    NegativeOffset: point.negative.offset,
    NegativeBucketCounts: point.negative.bucketCounts.map(uint64Text),
    ...exemplarColumns(point.exemplars),
    Flags: point.flags,
    Min: float64Value(point.min ?? 0),
    Max: float64Value(point.max ?? 0),
    AggregationTemporality: aggregationTemporality,
  };
}

function summaryRow(identity: MetricIdentityColumns, point: SummaryDataPoint): OtelSummaryRow {
  return {
    ...identity,
    ...pointColumns(point),
    Count: uint64Text(point.count),
    Sum: float64Value(point.sum),
    'ValueAtQuantiles.Quantile': point.quantileValues.map(({ quantile }) => float64Value(quantile)),
    'ValueAtQuantiles.Value': point.quantileValues.map(({ value }) => float64Value(value)),
    Flags: point.flags,
  };
}

/** Appends the rows of one metric's points to the table they belong in. */
function addMetricRows(out: MetricRows, identity: MetricIdentityColumns, metric: Metric): void {
  const data = metric.data;
  switch (data.type) {
    case 'gauge':
      for (const point of data.dataPoints) out.gauges.push(gaugeRow(identity, point));
      return;
    case 'sum':
      for (const point of data.dataPoints) {
        out.sums.push({
          ...gaugeRow(identity, point),
          AggregationTemporality: data.aggregationTemporality,
          IsMonotonic: data.isMonotonic,
        });
      }
      return;
    case 'histogram':
      for (const point of data.dataPoints) out.histograms.push(histogramRow(identity, point, data.aggregationTemporality));
      return;
    case 'exponentialHistogram':
      for (const point of data.dataPoints) {
        out.exponentialHistograms.push(exponentialHistogramRow(identity, point, data.aggregationTemporality));
      }
      return;
    case 'summary':
      for (const point of data.dataPoints) out.summaries.push(summaryRow(identity, point));
      return;
    case 'none':
      out.metricsWithoutData += 1;
      return;
  }
}

export function metricRows(request: ExportMetricsServiceRequest): MetricRows {
  const out: MetricRows = { gauges: [], sums: [], histograms: [], exponentialHistograms: [], summaries: [], metricsWithoutData: 0 };
  for (const resourceMetrics of request.resourceMetrics) {
    const resource = attributesAsStrings(resourceMetrics.resource.attributes);
    const serviceName = attributeString(resourceMetrics.resource.attributes, ResourceAttr.serviceName);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      const scope = scopeMetrics.scope;
      const scopeAttributes = attributesAsStrings(scope.attributes);
      for (const metric of scopeMetrics.metrics) {
        addMetricRows(
          out,
          {
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
          },
          metric,
        );
      }
    }
  }
  return out;
}
