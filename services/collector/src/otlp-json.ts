import type protobuf from 'protobufjs';

/** The body is not an OTLP request; the message says where. */
export class OtlpRequestError extends Error {
  override name = 'OtlpRequestError';
}

/**
 * Fields OTLP/JSON writes as hex strings where protobuf's JSON mapping would
 * use base64 (trace/span ids of spans, links, log records, exemplars). The
 * names appear nowhere else in OTLP; attribute keys are values, not JSON keys.
 */
const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** The parsed JSON with hex ids as bytes, ready for protobufjs' fromObject. */
function withIdBytes(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((entry, index) => withIdBytes(entry, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (HEX_ID_FIELDS.has(key) && typeof field === 'string') {
      if (!HEX.test(field)) throw new OtlpRequestError(`${path}.${key} is not a hex string: ${JSON.stringify(field.slice(0, 40))}`);
      out[key] = Buffer.from(field, 'hex');
    } else {
      out[key] = withIdBytes(field, `${path}.${key}`);
    }
  }
  return out;
}

/**
 * An OTLP/JSON export request (lowerCamelCase keys, hex ids, enums as names or
 * numbers, 64-bit integers as strings or numbers, bytes as base64) as the
 * protobufjs message of `type`, ready to encode as otlp_proto.
 */
export function decodeOtlpJson(type: protobuf.Type, body: Buffer): protobuf.Message {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new OtlpRequestError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OtlpRequestError(`body must be a JSON object (an OTLP ${type.name})`);
  }
  try {
    return type.fromObject(withIdBytes(parsed, '$') as Record<string, unknown>);
  } catch (err) {
    if (err instanceof OtlpRequestError) throw err;
    throw new OtlpRequestError(`body is not an OTLP ${type.name}: ${(err as Error).message}`);
  }
}

/** An OTLP/protobuf export request; malformed bytes throw OtlpRequestError. */
export function decodeOtlpProtobuf(type: protobuf.Type, body: Buffer): protobuf.Message {
  try {
    return type.decode(body);
  } catch (err) {
    throw new OtlpRequestError(`body is not an OTLP ${type.name} in protobuf: ${(err as Error).message}`);
  }
}
