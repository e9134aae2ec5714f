// The OTLP .proto files of this package, loaded with protobufjs for the
// services that decode and encode OTLP (a subpath of its own: the agent,
// which imports the package's other contracts, does not load protobufjs).
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { otlpProtoDir } from './paths.js';

/**
 * The packages of OTLP's data messages (resources, scopes, spans, metrics,
 * logs, attributes). The Collector keeps each of their string fields as the
 * bytes sent, UTF-8 or not; protobuf gives a string the same wire type as bytes.
 */
const DATA_PACKAGES = ['common', 'resource', 'trace', 'metrics', 'logs'].map((name) => `.opentelemetry.proto.${name}.v1.`);

function isDataType(type: protobuf.Type): boolean {
  return DATA_PACKAGES.some((prefix) => type.fullName.startsWith(prefix));
}

/** Every string field of the data messages loaded under `namespace`, read and written as bytes. */
function stringFieldsAsBytes(namespace: protobuf.NamespaceBase): void {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type && isDataType(nested)) {
      for (const field of nested.fieldsArray) {
        if (field.type !== 'string') continue;
        field.type = 'bytes';
        field.bytes = true;
        // Loading resolved the field as a string already.
        field.resolved = false;
      }
    }
    if (nested instanceof protobuf.Namespace) stringFieldsAsBytes(nested);
  }
}

/**
 * The messages of `files` (paths under the proto root, as protoc -I takes
 * them), resolved. With `stringsAsBytes`, every string field of the data
 * messages (names, attribute keys and values, trace states, status messages,
 * schema URLs…) is decoded as its bytes and encoded back unchanged.
 */
export function loadOtlpProtoRoot(files: readonly string[], options: { stringsAsBytes: boolean }): protobuf.Root {
  // Without the `long` package protobufjs reads 64-bit fields as JS numbers,
  // silently rounding nanosecond timestamps; refuse to run that way.
  if (!protobuf.util.Long) throw new Error('protobufjs found no "long" module: 64-bit OTLP fields would lose precision');
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the proto root, as with protoc -I.
  root.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  root.loadSync([...files]);
  if (options.stringsAsBytes) stringFieldsAsBytes(root);
  root.resolveAll();
  return root;
}
