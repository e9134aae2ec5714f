import type protobuf from 'protobufjs';
import { loadOtlpProtoRoot } from '@stallscope/schemas/otlp-proto';

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

function loadTypes(stringsAsBytes: boolean): OtlpMessageTypes {
  const root = loadOtlpProtoRoot([TRACE_SERVICE_PROTO, METRICS_SERVICE_PROTO, LOGS_SERVICE_PROTO], { stringsAsBytes });
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

/** The same types with every string of the data (names, attribute keys and values, …) decoded as its bytes. */
export function otlpRawStringTypes(): OtlpMessageTypes {
  rawStrings ??= loadTypes(true);
  return rawStrings;
}
