/** Jaeger's lower-case span kinds and pdata's SpanKind.String() that otel_traces stores for each. */
export const STORED_SPAN_KINDS = {
  unspecified: 'Unspecified',
  internal: 'Internal',
  server: 'Server',
  client: 'Client',
  producer: 'Producer',
  consumer: 'Consumer',
} as const;

export type JaegerSpanKind = keyof typeof STORED_SPAN_KINDS;
export const JAEGER_SPAN_KINDS = Object.keys(STORED_SPAN_KINDS) as JaegerSpanKind[];
