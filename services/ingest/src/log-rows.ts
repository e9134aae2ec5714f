// Decoded OTLP logs -> rows of otel_logs, column for column as the
// OpenTelemetry Collector's ClickHouse exporter fills them
// (schemas/migrations/0012_otel_logs.sql).
import { ResourceAttr } from '@stallscope/schemas';
import { anyValueAsString, attributeString, attributesAsStrings } from './attribute-strings.js';
import { dateTime64NanosText, hexId } from './clickhouse-values.js';
import type { ExportLogsServiceRequest, LogRecord, StoredText } from './otlp-model.js';
import type { StoredMap } from './stored-map.js';

/** One row of otel_logs; the __otel_materialized_* columns are the table's to fill. */
export interface OtelLogRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: StoredText;
  SeverityNumber: number;
  ServiceName: StoredText;
  Body: StoredText;
  ResourceSchemaUrl: StoredText;
  ResourceAttributes: StoredMap;
  ScopeSchemaUrl: StoredText;
  ScopeName: StoredText;
  ScopeVersion: StoredText;
  ScopeAttributes: StoredMap;
  LogAttributes: StoredMap;
  EventName: StoredText;
}

// The exporter's uint8 conversions keep the low byte.
const LOW_BYTE = 0xff;

/** pdata's TraceIDToHexOrEmptyString: '' for an absent or all-zero id. */
function hexOrEmpty(id: Uint8Array): string {
  return id.some((byte) => byte !== 0) ? hexId(id) : '';
}

function logRow(
  record: LogRecord,
  resource: { attributes: StoredMap; schemaUrl: StoredText; serviceName: StoredText },
  scope: { name: StoredText; version: StoredText; attributes: StoredMap; schemaUrl: StoredText },
): OtelLogRow {
  return {
    // The exporter falls back to the observed time for records without one.
    Timestamp: dateTime64NanosText(record.timeUnixNano !== 0n ? record.timeUnixNano : record.observedTimeUnixNano),
    TraceId: hexOrEmpty(record.traceId),
    SpanId: hexOrEmpty(record.spanId),
    TraceFlags: record.flags & LOW_BYTE,
    SeverityText: record.severityText,
    SeverityNumber: record.severityNumber & LOW_BYTE,
    ServiceName: resource.serviceName,
    Body: anyValueAsString(record.body),
    ResourceSchemaUrl: resource.schemaUrl,
    ResourceAttributes: resource.attributes,
    ScopeSchemaUrl: scope.schemaUrl,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    ScopeAttributes: scope.attributes,
    LogAttributes: attributesAsStrings(record.attributes),
    EventName: record.eventName,
  };
}

export function logRows(request: ExportLogsServiceRequest): OtelLogRow[] {
  const rows: OtelLogRow[] = [];
  for (const resourceLogs of request.resourceLogs) {
    const resource = {
      attributes: attributesAsStrings(resourceLogs.resource.attributes),
      schemaUrl: resourceLogs.schemaUrl,
      serviceName: attributeString(resourceLogs.resource.attributes, ResourceAttr.serviceName),
    };
    for (const scopeLogs of resourceLogs.scopeLogs) {
      const scope = {
        name: scopeLogs.scope.name,
        version: scopeLogs.scope.version,
        attributes: attributesAsStrings(scopeLogs.scope.attributes),
        schemaUrl: scopeLogs.schemaUrl,
      };
      for (const record of scopeLogs.logRecords) rows.push(logRow(record, resource, scope));
    }
  }
  return rows;
}
