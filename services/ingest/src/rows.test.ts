import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
import {
  LINKED_SPAN_ID,
  LINKED_TRACE_ID,
  PARENT_SPAN_ID,
  SPAN_ID,
  TRACE_ID,
  cpuGaugeMetrics,
  serializeMetrics,
  serializeSpans,
  slowSyscallSpan,
  syscallDurationMetrics,
} from './otlp-fixtures.js';
import { metricRows, traceRows, type OtelExponentialHistogramRow, type OtelTraceRow } from './rows.js';

describe('traceRows', () => {
  it('fills every otel_traces column as the Collector exporter does', () => {
    const rows = traceRows(decodeExportTraceServiceRequest(serializeSpans([slowSyscallSpan()])));
    const expected: OtelTraceRow = {
      Timestamp: '1700000000.123456789',
      TraceId: TRACE_ID,
      SpanId: SPAN_ID,
      ParentSpanId: PARENT_SPAN_ID,
      TraceState: 'vendor=value',
      SpanName: 'syscall flock',
      SpanKind: 'Server',
      ServiceName: 'checkout',
      ResourceAttributes: { 'service.name': 'checkout', 'host.name': 'host-a', 'process.pid': '4242' },
      ScopeName: 'stallscope.bpf-agent',
      ScopeVersion: '0.1.0',
      SpanAttributes: {
        'stallscope.syscall.name': 'flock',
        'stallscope.wait_class': 'lock',
        'stallscope.syscall.return_value': '-11',
        'stallscope.test.large_int': '1152921504606846976',
        'stallscope.test.ratio': '0.25',
        'stallscope.test.flag': 'true',
        'stallscope.syscall.args': '["3","2"]',
      },
      Duration: '900000000',
      StatusCode: 'Error',
      StatusMessage: 'EWOULDBLOCK',
      'Events.Timestamp': ['1700000000.500000001'],
      'Events.Name': ['lock acquired'],
      'Events.Attributes': [{ 'thread.id': '77' }],
      'Links.TraceId': [LINKED_TRACE_ID],
      'Links.SpanId': [LINKED_SPAN_ID],
      'Links.TraceState': [''],
      'Links.Attributes': [{ 'link.reason': 'follows' }],
    };
    assert.deepEqual(rows, [expected]);
  });
});

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
      ResourceAttributes: { 'service.name': 'checkout', 'host.name': 'host-a' },
      ResourceSchemaUrl: '',
      ScopeName: 'stallscope.bpf-agent',
      ScopeVersion: '0.1.0',
      ScopeAttributes: {},
      ScopeDroppedAttrCount: 0,
      ScopeSchemaUrl: '',
      ServiceName: 'checkout',
      MetricName: 'syscall.duration',
      MetricDescription: 'Time threads spent inside a syscall, from sys_enter to sys_exit',
      MetricUnit: 'ns',
      Attributes: { 'stallscope.syscall.name': 'fsync', 'stallscope.wait_class': 'disk' },
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
    assert.deepEqual(metricRows(request), { exponentialHistograms: [expected], unsupportedPoints: {} });
  });

  it('counts points of metric types without a table instead of mapping them', () => {
    const request = decodeExportMetricsServiceRequest(serializeMetrics(cpuGaugeMetrics()));
    assert.deepEqual(metricRows(request), { exponentialHistograms: [], unsupportedPoints: { gauge: 2 } });
  });
});
