// Self-tracing of the query API: with a tracer provider and the async context
// manager registered (as the launcher's SDK does), a request is one SERVER
// span named by its route, and the SQL it runs on the real chDB engine is its
// child, the statement without its bound values. Spans go to memory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { SelfSpan, SelfSpanAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { queryApiPlugin } from './plugin.js';
import { ingestSpans, traceScenario } from './traces/trace-fixtures.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-request-tracing-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const selfSpans = new InMemorySpanExporter();
const scenario = traceScenario(BigInt(Date.now() - 120_000) * 1_000_000n + 123_457n);
let app: FastifyInstance;

before(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(selfSpans)] }));
  await store.start();
  await ingestSpans(store, [scenario.appSpans, scenario.kernelSpans]);
  app = Fastify();
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  trace.disable();
  context.disable();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a request is a span named by its route, with its status, and its SQL queries are children without their values', async () => {
  selfSpans.reset();
  const response = await app.inject({ method: 'GET', url: `/v1/traces/${scenario.traceId}` });
  assert.equal(response.statusCode, 200);
  const spans = selfSpans.getFinishedSpans();
  const requests = spans.filter((span) => span.kind === SpanKind.SERVER);
  assert.equal(requests.length, 1);
  const request = requests[0]!;
  assert.equal(request.name, 'GET /v1/traces/:traceId');
  assert.equal(request.attributes['http.route'], '/v1/traces/:traceId');
  assert.equal(request.attributes['http.response.status_code'], 200);
  const queries = spans.filter((span) => span.name === SelfSpan.queryApiSql);
  assert.ok(queries.length >= 1, 'the trace was read with SQL');
  for (const query of queries) {
    assert.equal(query.parentSpanContext?.spanId, request.spanContext().spanId, 'each query is a child of its request');
    assert.equal(query.spanContext().traceId, request.spanContext().traceId);
    const text = String(query.attributes[SelfSpanAttr.dbQueryText]);
    assert.match(text, /\bSELECT\b/i);
    assert.ok(!text.toLowerCase().includes(scenario.traceId.toLowerCase()), `the trace id, a bound value, is not in the text: ${text}`);
  }
});

test('a bad request is a span with its 4xx status and no query', async () => {
  selfSpans.reset();
  const response = await app.inject({ method: 'GET', url: '/v1/traces/not-a-trace-id' });
  assert.equal(response.statusCode, 400);
  const spans = selfSpans.getFinishedSpans();
  assert.deepEqual(
    spans.map((span) => [span.name, span.attributes['http.response.status_code']]),
    [['GET /v1/traces/:traceId', 400]],
  );
});
