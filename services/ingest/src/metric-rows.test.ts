import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '@stallscope/schemas';
import { metricRows, type MetricIdentityColumns, type MetricRows, type OtelExponentialHistogramRow } from './metric-rows.js';
import { decodeExportMetricsServiceRequest } from './otlp-decode.js';
import {
  SPAN_ID,
  TRACE_ID,
  cpuGaugeMetrics,
  everyMetricKindRequest,
  serializeMetrics,
  serializeMetricsJson,
  syscallDurationMetrics,
  storedMapOf,
} from './otlp-fixtures.js';

const NO_ROWS: MetricRows = { gauges: [], sums: [], histograms: [], exponentialHistograms: [], summaries: [], metricsWithoutData: 0 };

describe('metricRows', () => {
  it('fills every otel_metrics_exponential_histogram column', () => {
    const request = decodeExportMetricsServiceRequest(
      serializeMetrics(
        syscallDurationMetrics({
          serviceName: 'checkout',
          hostName: 'host-a',
          startTime: [1_700_000_000, 1],
          endTime: [1_700_000_010, 999_999_999],
          points: [{ syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1.1e6, maxNs: 7.9e6 }],
        }),
      ),
    );
    const expected: OtelExponentialHistogramRow = {
      ResourceAttributes: storedMapOf({ 'service.name': 'checkout', 'host.name': 'host-a' }),
      ResourceSchemaUrl: '',
      ScopeName: 'stallscope.bpf-agent',
      ScopeVersion: '0.1.0',
      ScopeAttributes: storedMapOf({}),
      ScopeDroppedAttrCount: 0,
      ScopeSchemaUrl: '',
      ServiceName: 'checkout',
      MetricName: 'syscall.duration',
      MetricDescription: Metrics.syscallDuration.description,
      MetricUnit: 'ns',
      Attributes: storedMapOf({ 'stallscope.syscall.name': 'fsync', 'stallscope.wait_class': 'disk' }),
      StartTimeUnix: '1700000000.000000001',
      TimeUnix: '1700000010.999999999',
      Count: '10',
      Sum: 9e6,
      Scale: 0,
      ZeroCount: '2',
      PositiveOffset: 20,
      PositiveBucketCounts: ['3', '0', '5'],
      NegativeOffset: 0,
      NegativeBucketCounts: [],
      'Exemplars.FilteredAttributes': [],
      'Exemplars.TimeUnix': [],
      'Exemplars.Value': [],
      'Exemplars.SpanId': [],
      'Exemplars.TraceId': [],
      Flags: 0,
      Min: 1.1e6,
      Max: 7.9e6,
      AggregationTemporality: 1,
    };
    assert.deepEqual(metricRows(request), { ...NO_ROWS, exponentialHistograms: [expected] });
  });
  it('maps an otlp_json payload of the same metrics to the same rows', () => {
    for (const resourceMetrics of [
      cpuGaugeMetrics(),
      syscallDurationMetrics({
        serviceName: 'checkout',
        hostName: 'host-a',
        startTime: [1_700_000_000, 1],
        endTime: [1_700_000_010, 999_999_999],
        points: [{ syscall: 'fsync', waitClass: 'disk', offset: -3, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1.1e6, maxNs: 7.9e6 }],
      }),
    ]) {
      const json = serializeMetricsJson(resourceMetrics);
      assert.equal(json[0], '{'.charCodeAt(0));
      assert.deepEqual(
        metricRows(decodeExportMetricsServiceRequest(json)),
        metricRows(decodeExportMetricsServiceRequest(serializeMetrics(resourceMetrics))),
      );
    }
  });

  describe('a request with every point kind', () => {
    const rows = metricRows(decodeExportMetricsServiceRequest(everyMetricKindRequest()));
    const identity = (name: string, description: string, unit: string): MetricIdentityColumns => ({
      ResourceAttributes: storedMapOf({ 'service.name': 'checkout', 'host.name': 'host-a' }),
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      ScopeName: 'app.instrumentation',
      ScopeVersion: '2.1.0',
      ScopeAttributes: storedMapOf({ 'scope.kind': 'library' }),
      ScopeDroppedAttrCount: 3,
      ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
      ServiceName: 'checkout',
      MetricName: name,
      MetricDescription: description,
      MetricUnit: unit,
    });
    const times = { StartTimeUnix: '1700000000.123456789', TimeUnix: '1700000060.987654321' };
    const noExemplars = {
      'Exemplars.FilteredAttributes': [],
      'Exemplars.TimeUnix': [],
      'Exemplars.Value': [],
      'Exemplars.SpanId': [],
      'Exemplars.TraceId': [],
    };

    it('fills every otel_metrics_gauge column: int values widened, NaN kept, flags, exemplars', () => {
      assert.deepEqual(rows.gauges, [
        {
          ...identity('process.memory.usage', 'Resident memory', 'By'),
          Attributes: storedMapOf({ 'process.pid': '4242' }),
          ...times,
          Value: 2 ** 60,
          Flags: 0,
          'Exemplars.FilteredAttributes': [storedMapOf({ thread: 'main' })],
          'Exemplars.TimeUnix': ['1700000059.000000001'],
          'Exemplars.Value': [7],
          'Exemplars.SpanId': [SPAN_ID],
          'Exemplars.TraceId': [TRACE_ID],
        },
        {
          ...identity('process.memory.usage', 'Resident memory', 'By'),
          Attributes: storedMapOf({ 'process.pid': '4243' }),
          ...times,
          Value: 'nan',
          Flags: 1,
          ...noExemplars,
        },
      ]);
    });

    it('fills every otel_metrics_sum column, exemplars outside a span with zero ids', () => {
      assert.deepEqual(rows.sums, [
        {
          ...identity('http.server.requests', 'Requests served', '{request}'),
          Attributes: storedMapOf({ 'http.route': '/pay' }),
          ...times,
          Value: 12.5,
          Flags: 0,
          'Exemplars.FilteredAttributes': [storedMapOf({})],
          'Exemplars.TimeUnix': ['1700000059.000000001'],
          'Exemplars.Value': [0.5],
          'Exemplars.SpanId': ['0000000000000000'],
          'Exemplars.TraceId': ['00000000000000000000000000000000'],
          AggregationTemporality: 2,
          IsMonotonic: true,
        },
      ]);
    });

    it('fills every otel_metrics_histogram column: 64-bit counts exact, bounds, unset optionals as 0', () => {
      assert.deepEqual(rows.histograms, [
        {
          ...identity('http.server.duration', 'Request latency', 'ms'),
          Attributes: storedMapOf({ 'http.route': '/pay' }),
          ...times,
          Count: '9223372036854775809',
          Sum: 1234.5,
          BucketCounts: ['9223372036854775807', '1', '1'],
          ExplicitBounds: [0.5, 2.5],
          'Exemplars.FilteredAttributes': [storedMapOf({})],
          'Exemplars.TimeUnix': ['1700000059.000000001'],
          'Exemplars.Value': [1.5],
          'Exemplars.SpanId': [SPAN_ID],
          'Exemplars.TraceId': [TRACE_ID],
          Flags: 0,
          Min: 0.25,
          Max: 9.75,
          AggregationTemporality: 1,
        },
        {
          ...identity('http.server.duration', 'Request latency', 'ms'),
          Attributes: storedMapOf({ 'http.route': '/idle' }),
          ...times,
          Count: '0',
          Sum: 0,
          BucketCounts: [],
          ExplicitBounds: [],
          ...noExemplars,
          Flags: 0,
          Min: 0,
          Max: 0,
          AggregationTemporality: 1,
        },
      ]);
    });

    it('fills every otel_metrics_summary column: quantiles in order, a UInt64 count at its maximum', () => {
      assert.deepEqual(rows.summaries, [
        {
          ...identity('rpc.latency', 'Precomputed latency quantiles', 's'),
          Attributes: storedMapOf({}),
          ...times,
          Count: '18446744073709551615',
          Sum: 99.5,
          'ValueAtQuantiles.Quantile': [0, 0.5, 0.99, 1],
          'ValueAtQuantiles.Value': [0.001, 0.2, 1.5, 2],
          Flags: 0,
        },
      ]);
    });

    it('counts the metric without data instead of dropping it silently', () => {
      assert.equal(rows.metricsWithoutData, 1);
      assert.deepEqual(rows.exponentialHistograms, []);
    });
  });
});
