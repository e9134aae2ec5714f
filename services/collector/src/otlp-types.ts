import { join } from 'node:path';
import protobuf from 'protobufjs';
import { otlpProtoDir } from '@stallscope/schemas';

const PROTO_FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
];

let root: protobuf.Root | undefined;

/** The OTLP service messages, parsed once from the .proto files in @stallscope/schemas. */
export function otlpRoot(): protobuf.Root {
  if (root) return root;
  // Without `long`, protobufjs reads 64-bit fields as JS numbers and re-encodes
  // rounded nanosecond timestamps.
  if (!protobuf.util.Long) throw new Error('protobufjs found no "long" module: 64-bit OTLP fields would lose precision');
  const loading = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as with protoc -I.
  loading.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  loading.loadSync(PROTO_FILES);
  loading.resolveAll();
  root = loading;
  return root;
}

export function otlpType(name: string): protobuf.Type {
  return otlpRoot().lookupType(name);
}
