import type { Resource } from '@opentelemetry/resources';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/**
 * Bound of one encoded request: under Kafka's default max.message.bytes
 * (1 MiB), with room for the record's key, headers and batch framing.
 */
export const MAX_MESSAGE_BYTES = 900 * 1024;

function encodeEach(resourceMetrics: readonly ResourceMetrics[]): Buffer[] {
  return resourceMetrics.map((rm) => Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm) ?? new Uint8Array()));
}

/**
 * The resources' metrics as requests of at most maxMessageBytes each (each
 * resource serialized alone; concatenated protobuf messages merge, repeated
 * fields appending, so a concatenation is one valid request), a
 * resource never split; a resource whose metrics alone exceed the bound goes
 * in a request of its own (the caller sees its length and counts it).
 */
export function encodeMetricsRequests(
  resourceMetrics: readonly ResourceMetrics[],
  maxMessageBytes: number = MAX_MESSAGE_BYTES,
): Buffer[] {
  const requests: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const encoded of encodeEach(resourceMetrics)) {
    if (pending.length > 0 && pendingBytes + encoded.length > maxMessageBytes) {
      requests.push(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    }
    pending.push(encoded);
    pendingBytes += encoded.length;
  }
  if (pending.length > 0) requests.push(Buffer.concat(pending));
  return requests;
}

/** One ExportTraceServiceRequest; the serializer groups spans by resource object. */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest([...spans]) ?? new Uint8Array());
}

function resourceKey(resource: Resource): string {
  const attributes = Object.entries(resource.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([resource.schemaUrl ?? '', attributes]);
}

type Scope = ReadableSpan['instrumentationScope'];

function scopeKey(scope: Scope): string {
  return JSON.stringify([scope.name, scope.version ?? '', scope.schemaUrl ?? '']);
}

/**
 * The spans grouped by equal resource (equal attributes), each group's spans
 * pointing at one shared Resource object and one shared object per equal
 * scope: the serializer groups by object identity, so spans that each carry
 * their own, equal Resource would repeat it (and their scope) once per span.
 */
function spansByResource(spans: readonly ReadableSpan[]): ReadableSpan[][] {
  const groups = new Map<string, { resource: Resource; scopes: Map<string, Scope>; spans: ReadableSpan[] }>();
  for (const span of spans) {
    const key = resourceKey(span.resource);
    let group = groups.get(key);
    if (!group) {
      group = { resource: span.resource, scopes: new Map(), spans: [] };
      groups.set(key, group);
    }
    const scopeOfSpan = scopeKey(span.instrumentationScope);
    const scope = group.scopes.get(scopeOfSpan) ?? span.instrumentationScope;
    group.scopes.set(scopeOfSpan, scope);
    const shared = span.resource === group.resource && span.instrumentationScope === scope;
    // A view of the span with the shared objects; everything else reads through to it.
    group.spans.push(
      shared
        ? span
        : (Object.create(span, { resource: { value: group.resource }, instrumentationScope: { value: scope } }) as ReadableSpan),
    );
  }
  return [...groups.values()].map((group) => group.spans);
}

/** Encodes spans as requests under the bound, halving a run of spans whose request came out too large. */
function encodeUnder(spans: ReadableSpan[], maxMessageBytes: number, requests: Buffer[]): void {
  const encoded = encodeTraceRequest(spans);
  if (encoded.length <= maxMessageBytes || spans.length === 1) {
    requests.push(encoded);
    return;
  }
  const half = Math.ceil(spans.length / 2);
  encodeUnder(spans.slice(0, half), maxMessageBytes, requests);
  encodeUnder(spans.slice(half), maxMessageBytes, requests);
}

/**
 * The spans as ExportTraceServiceRequests of at most maxMessageBytes each
 * (one Kafka message each), one ResourceSpans per distinct resource and one
 * ScopeSpans per scope, every span in exactly one request. Requests are
 * filled by each resource group's measured bytes per span; a request that
 * still comes out too large is split. A single span larger than the bound
 * goes alone in an oversized request: the caller sees its length and counts it.
 */
export function encodeTraceRequests(spans: readonly ReadableSpan[], maxMessageBytes: number = MAX_MESSAGE_BYTES): Buffer[] {
  const requests: Buffer[] = [];
  let pending: ReadableSpan[] = [];
  let pendingBytes = 0;
  for (const group of spansByResource(spans)) {
    const bytesPerSpan = encodeTraceRequest(group).length / group.length;
    for (const span of group) {
      if (pending.length > 0 && pendingBytes + bytesPerSpan > maxMessageBytes) {
        encodeUnder(pending, maxMessageBytes, requests);
        pending = [];
        pendingBytes = 0;
      }
      pending.push(span);
      pendingBytes += bytesPerSpan;
    }
  }
  if (pending.length > 0) encodeUnder(pending, maxMessageBytes, requests);
  return requests;
}

/**
 * The log records as ExportLogsServiceRequests under the bound, halving a run
 * whose request came out too large (the serializer groups records by their
 * resource object: callers share one object per resource). A single record
 * larger than the bound goes alone: the caller sees its length and counts it.
 */
export function encodeLogsRequests(records: readonly ReadableLogRecord[], maxMessageBytes: number = MAX_MESSAGE_BYTES): Buffer[] {
  if (records.length === 0) return [];
  const encoded = Buffer.from(ProtobufLogsSerializer.serializeRequest([...records]) ?? new Uint8Array());
  if (encoded.length <= maxMessageBytes || records.length === 1) return [encoded];
  const half = Math.ceil(records.length / 2);
  return [...encodeLogsRequests(records.slice(0, half), maxMessageBytes), ...encodeLogsRequests(records.slice(half), maxMessageBytes)];
}
