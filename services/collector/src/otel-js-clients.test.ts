// Real clients: the OpenTelemetry JS SDK's OTLP trace exporters (gRPC,
// HTTP/protobuf with and without gzip, HTTP/JSON) against the collector on
// loopback; what reaches the in-process transport is decoded with the ingest's
// decoder and compared with what the SDK ended. Starts: one collector.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { decodeExportTraceServiceRequest } from '@stallscope/ingest';
import { Topics } from '@stallscope/schemas';
import { assertSpansArrived, exportSampleSpans } from './sdk-spans.js';
import { metricValue, startTestCollector, type TestCollector } from './test-collector.js';

const TOKEN = 'collector-test-token-0123456789';
let harness: TestCollector;

before(async () => {
  harness = await startTestCollector({ authToken: TOKEN });
});

after(async () => {
  await harness.stop();
});

/** Exports the sample spans and checks what was produced to otlp_spans since. */
async function assertRoundTrip(makeExporter: () => Parameters<typeof exportSampleSpans>[0]): Promise<void> {
  const before = harness.delivered.get(Topics.spans)!.length;
  const acceptedBefore = await metricValue(harness.registry, 'stallscope_collector_accepted_items_total', { signal: 'traces' });
  const sent = await exportSampleSpans(makeExporter());
  const traces = new Set(sent.map((span) => span.spanContext().traceId));
  // One message per trace, keyed by its hex trace id (partitionTracesById).
  const messages = (await harness.waitForMessages(Topics.spans, before + traces.size)).slice(before);
  assert.equal(messages.length, traces.size);
  assert.deepEqual(new Set(messages.map((message) => message.key?.toString())), traces);
  assertSpansArrived(sent, messages.map((message) => decodeExportTraceServiceRequest(message.value)));
  const acceptedAfter = await metricValue(harness.registry, 'stallscope_collector_accepted_items_total', { signal: 'traces' });
  assert.equal(acceptedAfter - acceptedBefore, sent.length);
}

function bearerMetadata(): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  return metadata;
}

test('OTLP/gRPC exporter: spans arrive field by field', async () => {
  await assertRoundTrip(() => new GrpcTraceExporter({ url: harness.grpcUrl, metadata: bearerMetadata() }));
});

test('OTLP/gRPC exporter with gzip: spans arrive field by field', async () => {
  await assertRoundTrip(() => new GrpcTraceExporter({ url: harness.grpcUrl, metadata: bearerMetadata(), compression: 'gzip' as never }));
});

test('OTLP/HTTP protobuf exporter: spans arrive field by field', async () => {
  await assertRoundTrip(
    () => new ProtobufTraceExporter({ url: `${harness.httpUrl}/v1/traces`, headers: { authorization: `Bearer ${TOKEN}` } }),
  );
});

test('OTLP/HTTP protobuf exporter with gzip: spans arrive field by field', async () => {
  await assertRoundTrip(
    () =>
      new ProtobufTraceExporter({
        url: `${harness.httpUrl}/v1/traces`,
        headers: { authorization: `Bearer ${TOKEN}` },
        compression: 'gzip' as never,
      }),
  );
});

test('OTLP/HTTP JSON exporter: spans arrive field by field (hex ids, re-encoded as protobuf)', async () => {
  await assertRoundTrip(
    () => new JsonTraceExporter({ url: `${harness.httpUrl}/v1/traces`, headers: { authorization: `Bearer ${TOKEN}` } }),
  );
});

test('without the bearer token: gRPC UNAUTHENTICATED, HTTP 401, nothing produced, counted', async () => {
  const before = harness.delivered.get(Topics.spans)!.length;
  await assert.rejects(exportSampleSpans(new GrpcTraceExporter({ url: harness.grpcUrl })), /UNAUTHENTICATED/);
  await assert.rejects(exportSampleSpans(new ProtobufTraceExporter({ url: `${harness.httpUrl}/v1/traces` })), /401|Unauthorized/i);
  const response = await fetch(`${harness.httpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token' },
    body: '{}',
  });
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  assert.match(((await response.json()) as { message: string }).message, /bearer token/);
  assert.equal(harness.delivered.get(Topics.spans)!.length, before);
  assert.ok((await metricValue(harness.registry, 'stallscope_collector_refused_total', { signal: 'traces', reason: 'unauthenticated' })) >= 3);
});
