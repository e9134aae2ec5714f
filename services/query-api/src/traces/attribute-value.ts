// otel_traces keeps every attribute value as a string (the exporter's
// pcommon.Value.AsString), so the OTLP type is gone. Typed answers (Jaeger
// tags, OTLP JSON) get back the type a value's text is the rendering of:
// 'true'/'false' were bools, integers in int64 range were ints, other decimal
// numbers doubles, and the rest strings (arrays and maps stay their JSON
// text). A string attribute that reads "42" therefore comes back as an int,
// and bytes (stored base64) as a string: the table cannot tell them apart.

export type TypedValue =
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  /** Kept as text: int64 goes past what a JS number holds. */
  | { type: 'int64'; value: string }
  | { type: 'float64'; value: number };

const INT = /^-?(0|[1-9]\d*)$/;
const DOUBLE = /^-?(0|[1-9]\d*)(\.\d+)?(e[+-]?\d+)?$/i;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function typedValueOf(text: string): TypedValue {
  if (text === 'true' || text === 'false') return { type: 'bool', value: text === 'true' };
  if (INT.test(text)) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return { type: 'int64', value: text };
  }
  if (DOUBLE.test(text) && Number.isFinite(Number(text))) return { type: 'float64', value: Number(text) };
  return { type: 'string', value: text };
}
