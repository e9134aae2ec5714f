// Self-tracing of the collector: with a tracer provider registered (as the
// launcher's SDK does), each export request over the real gRPC and HTTP
// receivers makes one collector.export span with what it accepted.
// Starts: one collector (in-process transport); spans go to memory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SelfSpan, SelfSpanAttr } from '@stallscope/schemas';
import { exportSampleSpans } from './sdk-spans.js';
import { startTestCollector, type TestCollector } from './test-collector.js';

const TOKEN = 'collector-tracing-token-0123456789';
const selfSpans = new InMemorySpanExporter();
let harness: TestCollector;

before(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(selfSpans)] }));
  harness = await startTestCollector({ authToken: TOKEN });
});

after(async () => {
  await harness.stop();
  trace.disable();
});

const exportSpans = () => selfSpans.getFinishedSpans().filter((span) => span.name === SelfSpan.collectorExport);

test('an OTLP/gRPC export request makes one collector.export span with its signal, bytes and items accepted', async () => {
  selfSpans.reset();
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  const sent = await exportSampleSpans(new GrpcTraceExporter({ url: harness.grpcUrl, metadata }));
  const [span, ...more] = exportSpans();
  assert.equal(more.length, 0, 'one span per export request, not per item');
  assert.equal(span!.attributes[SelfSpanAttr.signal], 'traces');
  assert.equal(span!.attributes[SelfSpanAttr.acceptedItems], sent.length);
  assert.equal(span!.attributes[SelfSpanAttr.rejectedItems], 0);
  assert.equal(span!.attributes[SelfSpanAttr.outcome], 'accepted');
  assert.equal(span!.attributes[SelfSpanAttr.messages], new Set(sent.map((s) => s.spanContext().traceId)).size, 'a message per trace');
  assert.ok((span!.attributes[SelfSpanAttr.requestBytes] as number) > 100);
});

test('a malformed export request makes a span with the refusal as its outcome and an error status', async () => {
  selfSpans.reset();
  const response = await fetch(`${harness.httpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}` },
    body: Buffer.from([0xff, 0xff, 0xff, 0xff]),
  });
  assert.equal(response.status, 400);
  const [span, ...more] = exportSpans();
  assert.equal(more.length, 0);
  assert.equal(span!.attributes[SelfSpanAttr.outcome], 'malformed');
  assert.equal(span!.attributes[SelfSpanAttr.requestBytes], 4);
  assert.equal(span!.status.code, SpanStatusCode.ERROR);
});
