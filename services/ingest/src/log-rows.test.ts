import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logRows, type OtelLogRow } from './log-rows.js';
import { decodeExportLogsServiceRequest } from './otlp-decode.js';
import { SPAN_ID, TRACE_ID, appLogRecords, serializeLogs, serializeLogsJson, storedMapOf } from './otlp-fixtures.js';

describe('logRows', () => {
  it('fills every otel_logs column as the Collector exporter does', () => {
    const common = {
      ServiceName: 'checkout',
      ResourceSchemaUrl: '',
      ResourceAttributes: storedMapOf({ 'service.name': 'checkout', 'host.name': 'host-a' }),
      ScopeSchemaUrl: '',
      ScopeName: 'app.logger',
      ScopeVersion: '1.4.0',
      ScopeAttributes: storedMapOf({}),
    };
    const expected: OtelLogRow[] = [
      {
        ...common,
        Timestamp: '1700000000.123456789',
        TraceId: TRACE_ID,
        SpanId: SPAN_ID,
        TraceFlags: 1,
        SeverityText: 'WARN',
        SeverityNumber: 13,
        Body: 'fsync took 2.5s',
        LogAttributes: storedMapOf({ 'code.lineno': '1152921504606846976', 'file.path': '/var/lib/app/wal' }),
        EventName: 'app.disk.slow',
      },
      {
        ...common,
        // No time of its own: the observed time, as the exporter does.
        Timestamp: '1700000000.500000001',
        TraceId: '',
        SpanId: '',
        TraceFlags: 0,
        SeverityText: '',
        SeverityNumber: 9,
        Body: '{"depth":3,"queue":"payments"}',
        LogAttributes: storedMapOf({}),
        EventName: '',
      },
    ];
    assert.deepEqual(logRows(decodeExportLogsServiceRequest(serializeLogs(appLogRecords()))), expected);
  });

  it('maps an otlp_json payload of the same records to the same rows', () => {
    const json = serializeLogsJson(appLogRecords());
    assert.equal(json[0], '{'.charCodeAt(0));
    assert.deepEqual(
      logRows(decodeExportLogsServiceRequest(json)),
      logRows(decodeExportLogsServiceRequest(serializeLogs(appLogRecords()))),
    );
  });
});
