// Traces in OTLP's JSON encoding (opentelemetry-proto, trace/v1/trace.proto
// under the protobuf JSON mapping): ids in hex, 64-bit integers as decimal
// strings, enums as numbers.
import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

export const OtlpAnyValue = Type.Union([
  Type.Object({ stringValue: Type.String() }, strict),
  Type.Object({ boolValue: Type.Boolean() }, strict),
  Type.Object({ intValue: Type.String({ pattern: '^-?\\d+$' }) }, strict),
  Type.Object({ doubleValue: Type.Number() }, strict),
]);

export const OtlpKeyValue = Type.Object({ key: Type.String(), value: OtlpAnyValue }, strict);
export type OtlpKeyValue = Static<typeof OtlpKeyValue>;

const UnixNano = Type.String({ pattern: '^\\d+$', description: 'nanoseconds since the Unix epoch' });
const HexTraceId = Type.String({ pattern: '^[0-9a-f]{32}$' });
const HexSpanId = Type.String({ pattern: '^[0-9a-f]{16}$' });

export const OtlpSpan = Type.Object(
  {
    traceId: HexTraceId,
    spanId: HexSpanId,
    traceState: Type.String(),
    /** '' for a root span; for a kernel child, the application span it happened under. */
    parentSpanId: Type.String({ pattern: '^([0-9a-f]{16})?$' }),
    name: Type.String(),
    kind: Type.Integer({ minimum: 0, maximum: 5, description: 'SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer' }),
    startTimeUnixNano: UnixNano,
    endTimeUnixNano: UnixNano,
    attributes: Type.Array(OtlpKeyValue),
    events: Type.Array(Type.Object({ timeUnixNano: UnixNano, name: Type.String(), attributes: Type.Array(OtlpKeyValue) }, strict)),
    links: Type.Array(
      Type.Object({ traceId: Type.String(), spanId: Type.String(), traceState: Type.String(), attributes: Type.Array(OtlpKeyValue) }, strict),
    ),
    status: Type.Object(
      { code: Type.Integer({ minimum: 0, maximum: 2, description: 'StatusCode: 0 unset, 1 ok, 2 error' }), message: Type.String() },
      strict,
    ),
  },
  strict,
);
export type OtlpSpan = Static<typeof OtlpSpan>;

export const OtlpResourceSpans = Type.Object(
  {
    resource: Type.Object({ attributes: Type.Array(OtlpKeyValue) }, strict),
    scopeSpans: Type.Array(
      Type.Object({ scope: Type.Object({ name: Type.String(), version: Type.String() }, strict), spans: Type.Array(OtlpSpan) }, strict),
    ),
  },
  strict,
);
export type OtlpResourceSpans = Static<typeof OtlpResourceSpans>;
