// Trace views -> OTLP JSON resourceSpans, one per resource, one scopeSpans per scope.
import { SpanAttr } from '@stallscope/schemas';
import type { OtlpKeyValue, OtlpResourceSpans, OtlpSpan } from '../schemas/otlp-traces.js';
import { typedValueOf } from './attribute-value.js';
import { endNsOf, type StringMap } from './stored-span.js';
import type { TraceView, ViewSpan } from './trace-view.js';

// The proto enums' numbers of pdata's SpanKind.String() and StatusCode.String().
const SPAN_KIND_NUMBERS: Record<string, number> = { Unspecified: 0, Internal: 1, Server: 2, Client: 3, Producer: 4, Consumer: 5 };
const STATUS_CODE_NUMBERS: Record<string, number> = { Unset: 0, Ok: 1, Error: 2 };

function keyValue(key: string, text: string): OtlpKeyValue {
  const typed = typedValueOf(text);
  switch (typed.type) {
    case 'bool':
      return { key, value: { boolValue: typed.value } };
    case 'int64':
      return { key, value: { intValue: typed.value } };
    case 'float64':
      return { key, value: { doubleValue: typed.value } };
    case 'string':
      return { key, value: { stringValue: typed.value } };
  }
}

function keyValues(attributes: StringMap): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, text]) => keyValue(key, text));
}

function otlpSpan(span: ViewSpan): OtlpSpan {
  const attributes = keyValues(span.attributes);
  if (span.kernelDerived) attributes.push({ key: SpanAttr.kernelDerived, value: { boolValue: true } });
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    traceState: span.traceState,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: SPAN_KIND_NUMBERS[span.kind] ?? 0,
    startTimeUnixNano: span.startNs.toString(),
    endTimeUnixNano: endNsOf(span).toString(),
    attributes,
    events: span.events.map((event) => ({ timeUnixNano: event.timeNs.toString(), name: event.name, attributes: keyValues(event.attributes) })),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, traceState: link.traceState, attributes: keyValues(link.attributes) })),
    status: { code: STATUS_CODE_NUMBERS[span.statusCode] ?? 0, message: span.statusMessage },
  };
}

/** The spans of the traces grouped by resource, then scope, in order of first appearance. */
export function otlpResourceSpans(traces: readonly TraceView[]): OtlpResourceSpans[] {
  const resources = new Map<string, { resource: StringMap; scopes: Map<string, { name: string; version: string; spans: OtlpSpan[] }> }>();
  for (const span of traces.flatMap((trace) => trace.spans)) {
    const resourceKey = JSON.stringify(span.resource);
    let resource = resources.get(resourceKey);
    if (!resource) {
      resource = { resource: span.resource, scopes: new Map() };
      resources.set(resourceKey, resource);
    }
    const scopeKey = JSON.stringify([span.scopeName, span.scopeVersion]);
    let scope = resource.scopes.get(scopeKey);
    if (!scope) {
      scope = { name: span.scopeName, version: span.scopeVersion, spans: [] };
      resource.scopes.set(scopeKey, scope);
    }
    scope.spans.push(otlpSpan(span));
  }
  return [...resources.values()].map(({ resource, scopes }) => ({
    resource: { attributes: keyValues(resource) },
    scopeSpans: [...scopes.values()].map(({ name, version, spans }) => ({ scope: { name, version }, spans })),
  }));
}
