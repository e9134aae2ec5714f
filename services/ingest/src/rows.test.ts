import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeExportTraceServiceRequest } from './otlp-decode.js';
import {
  LINKED_SPAN_ID,
  LINKED_TRACE_ID,
  PARENT_SPAN_ID,
  SPAN_ID,
  TRACE_ID,
  serializeSpans,
  serializeSpansJson,
  slowSyscallSpan,
  storedMapOf,
} from './otlp-fixtures.js';
import { traceRows, type OtelTraceRow } from './rows.js';

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
      ResourceAttributes: storedMapOf({ 'service.name': 'checkout', 'host.name': 'host-a', 'process.pid': '4242' }),
      ScopeName: 'stallscope.bpf-agent',
      ScopeVersion: '0.1.0',
      SpanAttributes: storedMapOf({
        'stallscope.syscall.name': 'flock',
        'stallscope.wait_class': 'lock',
        'stallscope.syscall.return_value': '-11',
        'stallscope.test.large_int': '1152921504606846976',
        'stallscope.test.ratio': '0.25',
        'stallscope.test.flag': 'true',
        'stallscope.syscall.args': '["3","2"]',
      }),
      Duration: '900000000',
      StatusCode: 'Error',
      StatusMessage: 'EWOULDBLOCK',
      'Events.Timestamp': ['1700000000.500000001'],
      'Events.Name': ['lock acquired'],
      'Events.Attributes': [storedMapOf({ 'thread.id': '77' })],
      'Links.TraceId': [LINKED_TRACE_ID],
      'Links.SpanId': [LINKED_SPAN_ID],
      'Links.TraceState': [''],
      'Links.Attributes': [storedMapOf({ 'link.reason': 'follows' })],
    };
    assert.deepEqual(rows, [expected]);
  });

  it('maps an otlp_json payload of the same spans to the same rows', () => {
    const spans = [slowSyscallSpan()];
    const json = serializeSpansJson(spans);
    assert.equal(json[0], '{'.charCodeAt(0));
    assert.deepEqual(traceRows(decodeExportTraceServiceRequest(json)), traceRows(decodeExportTraceServiceRequest(serializeSpans(spans))));
  });
});
