// Test support: spans made by the OpenTelemetry JS SDK and exported by a real
// OTLP exporter, and the field-by-field check of what arrived. Imported by tests only.
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, trace, type AttributeValue, type Attributes, type HrTime } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { AnyValue, ExportTraceServiceRequest, KeyValue } from '@stallscope/ingest';

/** Attributes of every type OTLP carries from JS: string, bool, int, double and arrays of each. */
const SAMPLE_ATTRIBUTES: Attributes = {
  'http.route': '/checkout/{id}',
  'app.cache_hit': true,
  'app.items': 42,
  'app.large_int': 2 ** 53 - 1,
  'app.negative': -7,
  'app.ratio': 0.625,
  'app.tags': ['a', 'b'],
  'app.sizes': [1, 2, 3],
  'app.weights': [0.5, 1.5],
  'app.flags': [true, false],
};

const SAMPLE_RESOURCE: Attributes = {
  'service.name': 'collector-test-app',
  'service.version': '1.2.3',
  'host.name': 'app-host-1',
  'process.pid': 4242,
};

const SAMPLE_SCOPE = { name: 'collector-test', version: '0.0.1' };

/** 1700000000.123456789 s: past 2^53 ns, so a trip through a JS number would show. */
const START: HrTime = [1_700_000_000, 123_456_789];

function at(offsetMs: number): HrTime {
  const nanos = START[1] + offsetMs * 1_000_000;
  return [START[0] + Math.floor(nanos / 1e9), nanos % 1e9];
}

/** Passes spans to the exporter and keeps each export's result, so a failed export fails the test. */
function recording(exporter: SpanExporter, results: ExportResult[]): SpanExporter {
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        results.push(result);
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * Two traces through the SDK's BatchSpanProcessor and the given exporter: a
 * server span with a client child (events, a link to the other trace, an
 * error status) and a producer root span with status OK. Returns the spans as
 * the SDK ended them (copied by an in-memory exporter beside the real one).
 */
export async function exportSampleSpans(exporter: SpanExporter): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const results: ExportResult[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(SAMPLE_RESOURCE),
    spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(recording(exporter, results))],
  });
  const tracer = provider.getTracer(SAMPLE_SCOPE.name, SAMPLE_SCOPE.version);

  const producer = tracer.startSpan('publish order', { kind: SpanKind.PRODUCER, startTime: at(0), attributes: { 'messaging.system': 'kafka' } });
  producer.setStatus({ code: SpanStatusCode.OK });
  producer.end(at(3));

  const server = tracer.startSpan('GET /checkout/{id}', { kind: SpanKind.SERVER, startTime: at(10), attributes: SAMPLE_ATTRIBUTES });
  server.addEvent('cache.miss', { 'cache.key': 'order:17', 'cache.shard': 3 }, at(11));
  const client = tracer.startSpan(
    'SELECT orders',
    {
      kind: SpanKind.CLIENT,
      startTime: at(12),
      attributes: { 'db.system': 'postgresql', 'db.rows': 17 },
      links: [{ context: producer.spanContext(), attributes: { 'link.reason': 'caused-by', 'link.weight': 0.5 } }],
    },
    trace.setSpan(context.active(), server),
  );
  client.addEvent('retry', { attempt: 2 }, at(13));
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
  client.end(at(20));
  server.end(at(25));

  await provider.forceFlush();
  // The in-memory exporter forgets its spans when it shuts down.
  const ended = memory.getFinishedSpans();
  await provider.shutdown();
  assert.ok(results.length > 0, 'the exporter was called');
  for (const result of results) assert.equal(result.code, ExportResultCode.SUCCESS, `export failed: ${result.error?.message}`);
  return ended;
}

/** The AnyValue the JS SDK's OTLP serializers make of an attribute value. */
function expectedAnyValue(value: AttributeValue | null | undefined): AnyValue {
  if (Array.isArray(value)) return { type: 'array', values: value.map((entry) => expectedAnyValue(entry)) };
  switch (typeof value) {
    case 'string':
      return { type: 'string', value };
    case 'boolean':
      return { type: 'bool', value };
    case 'number':
      return Number.isInteger(value) ? { type: 'int', value: BigInt(value) } : { type: 'double', value };
    default:
      return { type: 'empty' };
  }
}

function expectedKeyValues(attributes: Attributes): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: expectedAnyValue(value) }));
}

function nanos([seconds, fraction]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Every span of the decoded requests, with its resource's and scope's fields. */
function decodedSpans(requests: readonly ExportTraceServiceRequest[]) {
  return requests.flatMap((request) =>
    request.resourceSpans.flatMap(({ resource, scopeSpans }) =>
      scopeSpans.flatMap(({ scope, spans }) => spans.map((span) => ({ resource, scope, span }))),
    ),
  );
}

/** Each sent span arrived once, every field as the SDK ended it. */
export function assertSpansArrived(sent: readonly ReadableSpan[], requests: readonly ExportTraceServiceRequest[]): void {
  const arrived = decodedSpans(requests);
  assert.equal(arrived.length, sent.length, 'as many spans arrived as were sent');
  for (const expected of sent) {
    const context = expected.spanContext();
    const matches = arrived.filter(({ span }) => hex(span.spanId) === context.spanId);
    assert.equal(matches.length, 1, `span ${expected.name} arrived exactly once`);
    const { resource, scope, span } = matches[0]!;
    assert.deepEqual(resource.attributes, expectedKeyValues(expected.resource.attributes), `${expected.name}: resource`);
    assert.equal(scope.name, expected.instrumentationScope.name);
    assert.equal(scope.version, expected.instrumentationScope.version);
    const actual = {
      traceIdHex: hex(span.traceId),
      parentSpanIdHex: hex(span.parentSpanId),
      name: span.name,
      kind: span.kind,
      startTimeUnixNano: span.startTimeUnixNano,
      endTimeUnixNano: span.endTimeUnixNano,
      attributes: span.attributes,
      events: span.events,
      links: span.links.map((link) => ({
        traceIdHex: hex(link.traceId),
        spanIdHex: hex(link.spanId),
        traceState: link.traceState,
        attributes: link.attributes,
        droppedAttributesCount: link.droppedAttributesCount,
        // The low byte is the W3C trace flags; higher bits say whether the parent was remote.
        traceFlags: link.flags & 0xff,
      })),
      status: span.status,
    };
    assert.deepEqual(actual, {
      traceIdHex: context.traceId,
      parentSpanIdHex: expected.parentSpanContext?.spanId ?? '',
      name: expected.name,
      // OTLP's SpanKind is the API's plus one (0 is UNSPECIFIED on the wire).
      kind: expected.kind + 1,
      startTimeUnixNano: nanos(expected.startTime),
      endTimeUnixNano: nanos(expected.endTime),
      attributes: expectedKeyValues(expected.attributes),
      events: expected.events.map((event) => ({
        timeUnixNano: nanos(event.time),
        name: event.name,
        attributes: expectedKeyValues(event.attributes ?? {}),
        droppedAttributesCount: event.droppedAttributesCount ?? 0,
      })),
      links: expected.links.map((link) => ({
        traceIdHex: link.context.traceId,
        spanIdHex: link.context.spanId,
        traceState: link.context.traceState?.serialize() ?? '',
        attributes: expectedKeyValues(link.attributes ?? {}),
        droppedAttributesCount: link.droppedAttributesCount ?? 0,
        traceFlags: link.context.traceFlags,
      })),
      status: { code: expected.status.code, message: expected.status.message ?? '' },
    });
  }
}
