// Collector end to end: applications' spans from the OpenTelemetry JS SDK
// (OTLP/gRPC and OTLP/HTTP JSON exporters) into the launcher's all-in-one
// process (in-process transport, embedded chDB), then read back from
// otel_traces after the process stopped. Starts: one stallscope process
// (`all` where the kernel allows BPF, else `collector,ingest`), then the store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, context, trace, type Attributes, type HrTime } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '@stallscope/common';
import { createStore } from '@stallscope/store';
import { storeConfigDefaults } from '@stallscope/store';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

// The agent needs BPF; the collector path does not, so without BPF the same
// process runs without the agent instead of skipping.
const target = bpfSkipReason() ? 'collector,ingest' : 'all';
const runId = randomUUID().slice(0, 8);
let dataDir = '';
let stallscope: StallscopeProcess | undefined;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'stallscope-collector-e2e-'));
  stallscope = await startStallscope(target, {}, dataDir);
});

after(async () => {
  if (stallscope && stallscope.child.exitCode === null) await stallscope.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// Now (otel_traces drops rows past its 30-day TTL as they are inserted), with
// nanoseconds a trip through a JS number would round.
const START: HrTime = [Math.floor(Date.now() / 1000) - 60, 987_654_321];
const at = (offsetMs: number): HrTime => {
  const nanos = START[1] + offsetMs * 1_000_000;
  return [START[0] + Math.floor(nanos / 1e9), nanos % 1e9];
};
const nanos = ([seconds, fraction]: HrTime): string => (BigInt(seconds) * 1_000_000_000n + BigInt(fraction)).toString();

const SPAN_ATTRIBUTES: Attributes = {
  'http.route': '/pay',
  'app.retry': true,
  'app.items': 42,
  'app.ratio': 0.625,
  'app.tags': ['a', 'b'],
  'app.sizes': [1, 2, 3],
};
/** The Collector ClickHouse exporter's strings of SPAN_ATTRIBUTES. */
const SPAN_ATTRIBUTE_STRINGS = {
  'http.route': '/pay',
  'app.retry': 'true',
  'app.items': '42',
  'app.ratio': '0.625',
  'app.tags': '["a","b"]',
  'app.sizes': '[1,2,3]',
};

/** A server span with a client child (event, link, error status) through the given exporter. */
async function sendSpans(serviceName: string, exporter: SpanExporter): Promise<ReadableSpan[]> {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'host.name': 'e2e-host', 'process.pid': 31337 }),
    spanProcessors: [
      { onStart: () => {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} },
      new BatchSpanProcessor(exporter),
    ],
  });
  const tracer = provider.getTracer('e2e-scope', '9.9.9');
  const linked = tracer.startSpan('enqueue', { kind: SpanKind.PRODUCER, startTime: at(0) });
  linked.end(at(1));
  const server = tracer.startSpan('POST /pay', { kind: SpanKind.SERVER, startTime: at(5), attributes: SPAN_ATTRIBUTES });
  server.addEvent('validated', { 'rule.count': 3 }, at(6));
  const client = tracer.startSpan(
    'charge card',
    { kind: SpanKind.CLIENT, startTime: at(7), links: [{ context: linked.spanContext(), attributes: { 'link.kind': 'follows' } }] },
    trace.setSpan(context.active(), server),
  );
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  client.end(at(9));
  server.end(at(12));
  await provider.forceFlush();
  await provider.shutdown();
  return ended;
}

const sent = new Map<string, ReadableSpan[]>();

test('collector e2e: the JS SDK exports over OTLP/gRPC and OTLP/HTTP JSON into the all-in-one process', { timeout: 120_000 }, async () => {
  assert.ok(stallscope!.otlpGrpc && stallscope!.otlpHttp, 'the ready line names the OTLP endpoints');
  const grpcService = `e2e-grpc-${runId}`;
  const jsonService = `e2e-json-${runId}`;
  sent.set(grpcService, await sendSpans(grpcService, new GrpcTraceExporter({ url: stallscope!.otlpGrpc })));
  sent.set(jsonService, await sendSpans(jsonService, new JsonTraceExporter({ url: `${stallscope!.otlpHttp}/v1/traces` })));
  const expectedRows = [...sent.values()].flat().length;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const metrics = await (await fetch(`${stallscope!.url}/metrics`, { headers: { authorization: `Bearer ${stallscope!.token}` } })).text();
    const inserted = Number(/stallscope_ingest_rows_inserted_total\{table="otel_traces"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    const accepted = Number(/stallscope_collector_accepted_items_total\{signal="traces"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    if (inserted >= expectedRows) {
      assert.equal(accepted, expectedRows);
      break;
    }
    assert.ok(Date.now() < deadline, `only ${inserted} of ${expectedRows} rows inserted into otel_traces (collector accepted ${accepted})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(await stallscope!.stop(), 0, 'stallscope exits cleanly on SIGTERM');
});

interface TraceRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  StartNs: string;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  EventNames: string[];
  EventNs: string[];
  EventAttributes: Record<string, string>[];
  LinkTraceIds: string[];
  LinkSpanIds: string[];
  LinkAttributes: Record<string, string>[];
}

test('collector e2e: every span is in otel_traces with every field as sent', { timeout: 120_000 }, async () => {
  assert.equal(sent.size, 2, 'the export test ran');
  const store = createStore({ ...storeConfigDefaults, chdbPath: join(dataDir, 'chdb') }, { logger: createLogger('warn') });
  await store.start();
  try {
    const result = await store.client.query({
      query: `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion,
                     SpanAttributes, toString(toUnixTimestamp64Nano(Timestamp)) AS StartNs, toString(Duration) AS Duration, StatusCode, StatusMessage,
                     Events.Name AS EventNames, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventNs,
                     Events.Attributes AS EventAttributes, Links.TraceId AS LinkTraceIds, Links.SpanId AS LinkSpanIds,
                     Links.Attributes AS LinkAttributes
              FROM otel_traces WHERE ServiceName IN ({services:Array(String)}) ORDER BY SpanId`,
      query_params: { services: [...sent.keys()] },
      format: 'JSONEachRow',
    });
    const rows = await result.json<TraceRow>();
    const spans = [...sent.entries()].flatMap(([service, spans]) => spans.map((span) => ({ service, span })));
    assert.equal(rows.length, spans.length, 'one row per span, no duplicates');
    for (const { service, span } of spans) {
      const row = rows.find((candidate) => candidate.SpanId === span.spanContext().spanId);
      assert.ok(row, `span ${span.name} of ${service} is stored`);
      assert.deepEqual(row, {
        TraceId: span.spanContext().traceId,
        SpanId: span.spanContext().spanId,
        ParentSpanId: span.parentSpanContext?.spanId ?? '',
        SpanName: span.name,
        // pdata's SpanKind.String(), as the Collector's ClickHouse exporter writes it.
        SpanKind: ['Internal', 'Server', 'Client', 'Producer', 'Consumer'][span.kind],
        ServiceName: service,
        ResourceAttributes: { 'service.name': service, 'host.name': 'e2e-host', 'process.pid': '31337' },
        ScopeName: 'e2e-scope',
        ScopeVersion: '9.9.9',
        SpanAttributes: span.name === 'POST /pay' ? SPAN_ATTRIBUTE_STRINGS : {},
        StartNs: nanos(span.startTime),
        Duration: (BigInt(nanos(span.endTime)) - BigInt(nanos(span.startTime))).toString(),
        StatusCode: { [SpanStatusCode.UNSET]: 'Unset', [SpanStatusCode.OK]: 'Ok', [SpanStatusCode.ERROR]: 'Error' }[span.status.code],
        StatusMessage: span.status.message ?? '',
        EventNames: span.events.map((event) => event.name),
        EventNs: span.events.map((event) => nanos(event.time)),
        EventAttributes: span.events.map((event) => Object.fromEntries(Object.entries(event.attributes ?? {}).map(([k, v]) => [k, String(v)]))),
        LinkTraceIds: span.links.map((link) => link.context.traceId),
        LinkSpanIds: span.links.map((link) => link.context.spanId),
        LinkAttributes: span.links.map((link) => Object.fromEntries(Object.entries(link.attributes ?? {}).map(([k, v]) => [k, String(v)]))),
      });
    }
  } finally {
    await store.stop();
  }
});
