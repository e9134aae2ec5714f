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

/** The OTLP request types, parsed once from the .proto files in @stallscope/schemas. */
export function otlpMessageTypes(): OtlpMessageTypes {
  if (loaded) return loaded;
  // Without the `long` package protobufjs decodes 64-bit fields to JS numbers,
  // silently rounding nanosecond timestamps; refuse to run that way.
  if (!protobuf.util.Long) throw new Error('protobufjs found no "long" module: 64-bit OTLP fields would lose precision');
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as with protoc -I.
  root.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  root.loadSync([TRACE_SERVICE_PROTO, METRICS_SERVICE_PROTO, LOGS_SERVICE_PROTO]);
  root.resolveAll();
  loaded = {
    exportTraceServiceRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    exportMetricsServiceRequest: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    exportLogsServiceRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  };
  return loaded;
}
