import type protobuf from 'protobufjs';
import { loadOtlpProtoRoot } from '@stallscope/schemas/otlp-proto';

const PROTO_FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
];

let root: protobuf.Root | undefined;
let rawRoot: protobuf.Root | undefined;

/** The OTLP service messages, parsed once from the .proto files in @stallscope/schemas. */
export function otlpRoot(): protobuf.Root {
  root ??= loadOtlpProtoRoot(PROTO_FILES, { stringsAsBytes: false });
  return root;
}

export function otlpType(name: string): protobuf.Type {
  return otlpRoot().lookupType(name);
}

/**
 * A request type that decodes every string of the data (names, attribute keys
 * and values, …) as its bytes and encodes them back unchanged: protobuf
 * requests go through it, so bytes that are not UTF-8 reach the topic as sent
 * (a string field would turn them into U+FFFD). OTLP/JSON, Unicode text,
 * takes otlpType.
 */
export function otlpRawStringType(name: string): protobuf.Type {
  rawRoot ??= loadOtlpProtoRoot(PROTO_FILES, { stringsAsBytes: true });
  return rawRoot.lookupType(name);
}
