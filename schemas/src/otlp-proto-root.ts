// The OTLP .proto files of this package, loaded with protobufjs for the
// services that decode and encode OTLP (a subpath of its own: the agent,
// which imports the package's other contracts, does not load protobufjs).
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { otlpProtoDir } from './paths.js';

/**
 * Attribute keys and string values (KeyValue.key, AnyValue.string_value),
 * which the Collector keeps as the bytes sent, UTF-8 or not; their wire type
 * is the same as bytes'.
 */
const ATTRIBUTE_STRING_FIELDS = [
  ['opentelemetry.proto.common.v1.AnyValue', 'stringValue'],
  ['opentelemetry.proto.common.v1.KeyValue', 'key'],
] as const;

/**
 * The messages of `files` (paths under the proto root, as protoc -I takes
 * them), resolved. With `attributeStringsAsBytes`, attribute keys and string
 * values are decoded as their bytes and encoded back unchanged.
 */
export function loadOtlpProtoRoot(files: readonly string[], options: { attributeStringsAsBytes: boolean }): protobuf.Root {
  // Without the `long` package protobufjs reads 64-bit fields as JS numbers,
  // silently rounding nanosecond timestamps; refuse to run that way.
  if (!protobuf.util.Long) throw new Error('protobufjs found no "long" module: 64-bit OTLP fields would lose precision');
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as with protoc -I.
  root.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  root.loadSync([...files]);
  if (options.attributeStringsAsBytes) {
    for (const [typeName, fieldName] of ATTRIBUTE_STRING_FIELDS) {
      const field = root.lookupType(typeName).fields[fieldName]!;
      field.type = 'bytes';
      field.bytes = true;
      // Loading resolved the field as a string already.
      field.resolved = false;
    }
  }
  root.resolveAll();
  return root;
}
