// Trace views -> Jaeger UI JSON (internal/uimodel in jaegertracing/jaeger),
// with the tags Jaeger's OTLP translator adds for what OTLP has and its model
// has not (otel.scope.*, span.kind, otel.status_*, error, w3c.tracestate).
import { ResourceAttr, SpanAttr } from '@stallscope/schemas';
import type { JaegerKeyValue, JaegerProcess, JaegerSpan, JaegerTrace } from '../schemas/jaeger.js';
import { typedValueOf } from './attribute-value.js';
import type { StringMap } from './stored-span.js';
import type { TraceView, ViewSpan } from './trace-view.js';

const NS_PER_US = 1_000n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Like Jaeger's convertKeyValues: int64 outside JS's safe range as a string. */
export function jaegerKeyValue(key: string, text: string): JaegerKeyValue {
  const typed = typedValueOf(text);
  if (typed.type !== 'int64') return { key, ...typed } as JaegerKeyValue;
  const value = BigInt(typed.value);
  return { key, type: 'int64', value: value > MAX_SAFE || value < -MAX_SAFE ? typed.value : Number(value) };
}

const stringTag = (key: string, value: string): JaegerKeyValue => ({ key, type: 'string', value });
const keyValues = (attributes: StringMap): JaegerKeyValue[] => Object.entries(attributes).map(([key, text]) => jaegerKeyValue(key, text));

// pdata's SpanKind.String() -> Jaeger's span.kind tag (none for Unspecified).
const SPAN_KIND_TAGS: Record<string, string> = { Internal: 'internal', Server: 'server', Client: 'client', Producer: 'producer', Consumer: 'consumer' };
const STATUS_CODE_TAGS: Record<string, string> = { Ok: 'OK', Error: 'ERROR' };

function spanTags(span: ViewSpan): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (span.scopeName) tags.push(stringTag('otel.scope.name', span.scopeName));
  if (span.scopeVersion) tags.push(stringTag('otel.scope.version', span.scopeVersion));
  tags.push(...keyValues(span.attributes));
  const kind = SPAN_KIND_TAGS[span.kind];
  if (kind) tags.push(stringTag('span.kind', kind));
  const status = STATUS_CODE_TAGS[span.statusCode];
  if (status) tags.push(stringTag('otel.status_code', status));
  if (span.statusCode === 'Error') tags.push({ key: 'error', type: 'bool', value: true });
  if (span.statusMessage) tags.push(stringTag('otel.status_description', span.statusMessage));
  if (span.traceState) tags.push(stringTag('w3c.tracestate', span.traceState));
  if (span.kernelDerived) tags.push({ key: SpanAttr.kernelDerived, type: 'bool', value: true });
  return tags;
}

const micros = (ns: bigint): number => Number(ns / NS_PER_US);

function jaegerSpan(span: ViewSpan, processID: string): JaegerSpan {
  const references: JaegerSpan['references'] = [];
  if (span.parentSpanId) references.push({ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId });
  for (const link of span.links) references.push({ refType: 'FOLLOWS_FROM', traceID: link.traceId, spanID: link.spanId });
  return {
    traceID: span.traceId,
    spanID: span.spanId,
    operationName: span.name,
    references,
    startTime: micros(span.startNs),
    duration: micros(span.durationNs),
    tags: spanTags(span),
    logs: span.events.map((event) => ({ timestamp: micros(event.timeNs), fields: [stringTag('event', event.name), ...keyValues(event.attributes)] })),
    processID,
    warnings: null,
  };
}

function jaegerProcess(span: ViewSpan): JaegerProcess {
  const { [ResourceAttr.serviceName]: _serviceName, ...tags } = span.resource;
  return { serviceName: span.serviceName, tags: keyValues(tags) };
}

/** One trace; processes keyed p1, p2, ... in order of first appearance, as Jaeger's processHashtable does. */
export function jaegerTrace(trace: TraceView): JaegerTrace {
  const processIds = new Map<string, string>();
  const processes: Record<string, JaegerProcess> = {};
  const spans = trace.spans.map((span) => {
    const process = jaegerProcess(span);
    const key = JSON.stringify(process);
    let processID = processIds.get(key);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(key, processID);
      processes[processID] = process;
    }
    return jaegerSpan(span, processID);
  });
  return { traceID: trace.traceId, spans, processes, warnings: trace.warnings.length > 0 ? trace.warnings : null };
}
