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
let rawRoot: protobuf.Root | undefined;

/**
 * Attribute keys and string values, which the Collector forwards as the bytes
 * sent, UTF-8 or not; same wire type as bytes.
 */
const ATTRIBUTE_STRING_FIELDS = [
  ['opentelemetry.proto.common.v1.AnyValue', 'stringValue'],
  ['opentelemetry.proto.common.v1.KeyValue', 'key'],
] as const;

function loadRoot(attributeStringsAsBytes: boolean): protobuf.Root {
  // Without `long`, protobufjs reads 64-bit fields as JS numbers and re-encodes
  // rounded nanosecond timestamps.
  if (!protobuf.util.Long) throw new Error('protobufjs found no "long" module: 64-bit OTLP fields would lose precision');
  const loading = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as with protoc -I.
  loading.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  loading.loadSync(PROTO_FILES);
  if (attributeStringsAsBytes) {
    for (const [typeName, fieldName] of ATTRIBUTE_STRING_FIELDS) {
      const field = loading.lookupType(typeName).fields[fieldName]!;
      field.type = 'bytes';
      field.bytes = true;
      // Loading resolved the field as a string already.
      field.resolved = false;
    }
  }
  loading.resolveAll();
  return loading;
}

/** The OTLP service messages, parsed once from the .proto files in @stallscope/schemas. */
export function otlpRoot(): protobuf.Root {
  root ??= loadRoot(false);
  return root;
}

export function otlpType(name: string): protobuf.Type {
  return otlpRoot().lookupType(name);
}

/**
 * A request type that decodes attribute keys and string values as their bytes
 * and encodes them back unchanged: protobuf requests go through it, so bytes
 * that are not UTF-8 reach the topic as sent (a string field would turn them
 * into U+FFFD). OTLP/JSON, Unicode text, takes otlpType.
 */
export function otlpRawAttributeStringType(name: string): protobuf.Type {
  rawRoot ??= loadRoot(true);
  return rawRoot.lookupType(name);
}
