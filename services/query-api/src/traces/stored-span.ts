// Spans as otel_traces stores them (the Collector's ClickHouse exporter's
// columns), read back with exact nanosecond times.

export type StringMap = Record<string, string>;

export interface StoredEvent {
  timeNs: bigint;
  name: string;
  attributes: StringMap;
}

export interface StoredLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: StringMap;
}

/** One row of otel_traces. Attribute values are the exporter's strings (their OTLP types are not stored). */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  name: string;
  /** pdata's SpanKind.String(): Unspecified, Internal, Server, Client, Producer, Consumer. */
  kind: string;
  serviceName: string;
  resource: StringMap;
  scopeName: string;
  scopeVersion: string;
  attributes: StringMap;
  startNs: bigint;
  durationNs: bigint;
  /** pdata's StatusCode.String(): Unset, Ok, Error. */
  statusCode: string;
  statusMessage: string;
  events: StoredEvent[];
  links: StoredLink[];
}

/** The select list of a StoredRow; times as decimal nanosecond strings (no trip through a JS number). */
export const STORED_SPAN_COLUMNS = `
  TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId, TraceState AS traceState,
  SpanName AS name, SpanKind AS kind, ServiceName AS serviceName, ResourceAttributes AS resource,
  ScopeName AS scopeName, ScopeVersion AS scopeVersion, SpanAttributes AS attributes,
  toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
  StatusCode AS statusCode, StatusMessage AS statusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimesNs,
  Events.Name AS eventNames, Events.Attributes AS eventAttributes,
  Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds, Links.TraceState AS linkTraceStates,
  Links.Attributes AS linkAttributes`;

export interface StoredRow {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: string;
  serviceName: string;
  resource: StringMap;
  scopeName: string;
  scopeVersion: string;
  attributes: StringMap;
  startNs: string;
  durationNs: string;
  statusCode: string;
  statusMessage: string;
  eventTimesNs: string[];
  eventNames: string[];
  eventAttributes: StringMap[];
  linkTraceIds: string[];
  linkSpanIds: string[];
  linkTraceStates: string[];
  linkAttributes: StringMap[];
}

export function storedSpanOf(row: StoredRow): StoredSpan {
  const { eventTimesNs, eventNames, eventAttributes, linkTraceIds, linkSpanIds, linkTraceStates, linkAttributes, ...span } = row;
  return {
    ...span,
    startNs: BigInt(row.startNs),
    durationNs: BigInt(row.durationNs),
    events: eventTimesNs.map((timeNs, index) => ({
      timeNs: BigInt(timeNs),
      name: eventNames[index] ?? '',
      attributes: eventAttributes[index] ?? {},
    })),
    links: linkTraceIds.map((traceId, index) => ({
      traceId,
      spanId: linkSpanIds[index] ?? '',
      traceState: linkTraceStates[index] ?? '',
      attributes: linkAttributes[index] ?? {},
    })),
  };
}

export function endNsOf(span: StoredSpan): bigint {
  return span.startNs + span.durationNs;
}
