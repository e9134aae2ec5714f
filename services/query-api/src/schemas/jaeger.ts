// The JSON of Jaeger's query service HTTP API (the one Jaeger UI and Grafana's
// Jaeger data source read), matched against jaegertracing/jaeger:
// internal/uimodel/model.go (Trace, Span, Reference, Process, Log, KeyValue;
// formerly model/json/model.go) and the structuredResponse / structuredError
// of cmd/jaeger/internal/extension/jaegerquery/internal/http_handler.go.
import { Type, type Static } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;

export const JaegerKeyValue = Type.Union([
  Type.Object({ key: Type.String(), type: Type.Literal('string'), value: Type.String() }, strict),
  Type.Object({ key: Type.String(), type: Type.Literal('bool'), value: Type.Boolean() }, strict),
  // Beyond ±(2^53 - 1) the value is a decimal string, as Jaeger's convertKeyValues writes it.
  Type.Object({ key: Type.String(), type: Type.Literal('int64'), value: Type.Union([Type.Integer(), Type.String()]) }, strict),
  Type.Object({ key: Type.String(), type: Type.Literal('float64'), value: Type.Number() }, strict),
]);
export type JaegerKeyValue = Static<typeof JaegerKeyValue>;

const Warnings = Type.Union([Type.Array(Type.String()), Type.Null()]);

export const JaegerSpan = Type.Object(
  {
    traceID: Type.String(),
    spanID: Type.String(),
    operationName: Type.String(),
    references: Type.Array(
      Type.Object(
        { refType: Type.Union([Type.Literal('CHILD_OF'), Type.Literal('FOLLOWS_FROM')]), traceID: Type.String(), spanID: Type.String() },
        strict,
      ),
    ),
    startTime: Type.Integer({ description: 'microseconds since the Unix epoch' }),
    duration: Type.Integer({ description: 'microseconds' }),
    tags: Type.Array(JaegerKeyValue),
    logs: Type.Array(Type.Object({ timestamp: Type.Integer(), fields: Type.Array(JaegerKeyValue) }, strict)),
    processID: Type.String(),
    warnings: Warnings,
  },
  strict,
);
export type JaegerSpan = Static<typeof JaegerSpan>;

export const JaegerProcess = Type.Object({ serviceName: Type.String(), tags: Type.Array(JaegerKeyValue) }, strict);
export type JaegerProcess = Static<typeof JaegerProcess>;

export const JaegerTrace = Type.Object(
  {
    traceID: Type.String(),
    spans: Type.Array(JaegerSpan),
    processes: Type.Record(Type.String(), JaegerProcess),
    warnings: Warnings,
  },
  strict,
);
export type JaegerTrace = Static<typeof JaegerTrace>;

const JaegerError = Type.Object({ code: Type.Optional(Type.Integer()), msg: Type.String(), traceID: Type.Optional(Type.String()) }, strict);

/** Jaeger's structuredResponse around a payload. */
export function JaegerResponse<Data extends ReturnType<typeof Type.Array>>(data: Data) {
  return Type.Object(
    { data, total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), errors: Type.Union([Type.Array(JaegerError), Type.Null()]) },
    strict,
  );
}

/** An error answer: no data, the error under `errors`. */
export const JaegerErrorResponse = Type.Object(
  { data: Type.Null(), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), errors: Type.Array(JaegerError) },
  strict,
);
export type JaegerErrorResponse = Static<typeof JaegerErrorResponse>;
