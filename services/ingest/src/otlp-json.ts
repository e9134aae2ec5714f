import type protobuf from 'protobufjs';
import { OtlpDecodeError } from './otlp-decode-error.js';

const OPEN_BRACE = 0x7b;

/**
 * Whether a payload is OTLP/JSON (encoding otlp_json) rather than protobuf
 * (otlp_proto). The Collector's kafka receiver is configured with one encoding
 * per topic; we accept both on every topic and tell them apart per message by
 * the first byte: a JSON request is an object, so it starts with `{`, and no
 * protobuf Export*ServiceRequest can: 0x7B would be the tag of field 15 with
 * the deprecated group wire type, and the requests have no field 15. JSON with
 * leading whitespace is read as protobuf and fails (dead-lettered), as the
 * Collector's own exporters never write it.
 */
export function isOtlpJsonPayload(payload: Uint8Array): boolean {
  return payload[0] === OPEN_BRACE;
}

// OTLP/JSON writes these ids as hex, not as the base64 that proto3 JSON uses
// for bytes (OTLP specification, "JSON Protobuf Encoding").
const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function withBase64Ids(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((entry, index) => withBase64Ids(entry, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return value;
  const converted: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = `${path}.${key}`;
    if (HEX_ID_FIELDS.has(key) && typeof field === 'string') {
      if (!HEX.test(field)) throw new OtlpDecodeError(`${fieldPath} is not a hex id: ${JSON.stringify(field.slice(0, 40))}`);
      converted[key] = Buffer.from(field, 'hex').toString('base64');
    } else {
      converted[key] = withBase64Ids(field, fieldPath);
    }
  }
  return converted;
}

/**
 * An OTLP/JSON request as the protobufjs message the binary decoder would give:
 * lowerCamelCase fields, 64-bit integers as decimal strings or numbers, enums
 * by name or number, ids in hex. Throws on text that is not JSON or does not
 * fit the message type.
 */
export function otlpJsonMessage(messageType: protobuf.Type, payload: Uint8Array): protobuf.Message {
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OtlpDecodeError(`an OTLP/JSON ${messageType.name} must be a JSON object`);
  }
  return messageType.fromObject(withBase64Ids(parsed, '$') as Record<string, unknown>);
}
