import { join } from 'node:path';
import protobuf from 'protobufjs';
import { otlpProtoDir } from '@stallscope/schemas';

const TRACE_SERVICE_PROTO = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';
const METRICS_SERVICE_PROTO = 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto';
const LOGS_SERVICE_PROTO = 'opentelemetry/proto/collector/logs/v1/logs_service.proto';

export interface OtlpMessageTypes {
  exportTraceServiceRequest: protobuf.Type;
  exportMetricsServiceRequest: protobuf.Type;
  exportLogsServiceRequest: protobuf.Type;
}

let loaded: OtlpMessageTypes | undefined;
let rawStrings: OtlpMessageTypes | undefined;

/**
 * The string fields of attributes (AnyValue.string_value, KeyValue.key), which
 * the Collector keeps as the bytes sent, UTF-8 or not; the wire type is the
 * same as bytes', so these decode them as bytes.
 */
const ATTRIBUTE_STRING_FIELDS = [
  ['opentelemetry.proto.common.v1.AnyValue', 'stringValue'],
  ['opentelemetry.proto.common.v1.KeyValue', 'key'],
] as const;

function loadTypes(attributeStringsAsBytes: boolean): OtlpMessageTypes {
  // Without the `long` package protobufjs decodes 64-bit fields to JS numbers,
  // silently rounding nanosecond timestamps; refuse to run that way.
  if (!protobuf.util.Long) throw new Error('protobufjs found no "long" module: 64-bit OTLP fields would lose precision');
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as with protoc -I.
  root.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  root.loadSync([TRACE_SERVICE_PROTO, METRICS_SERVICE_PROTO, LOGS_SERVICE_PROTO]);
  if (attributeStringsAsBytes) {
    for (const [typeName, fieldName] of ATTRIBUTE_STRING_FIELDS) {
      const field = root.lookupType(typeName).fields[fieldName]!;
      field.type = 'bytes';
      field.bytes = true;
      // Loading resolved the field as a string already.
      field.resolved = false;
    }
  }
  root.resolveAll();
  return {
    exportTraceServiceRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    exportMetricsServiceRequest: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    exportLogsServiceRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  };
}

/** The OTLP request types, parsed once from the .proto files in @stallscope/schemas. */
export function otlpMessageTypes(): OtlpMessageTypes {
  loaded ??= loadTypes(false);
  return loaded;
}

/** The same types with attribute keys and string values decoded as their bytes. */
export function otlpRawAttributeStringTypes(): OtlpMessageTypes {
  rawStrings ??= loadTypes(true);
  return rawStrings;
}
