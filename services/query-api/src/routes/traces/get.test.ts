// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the whole file (chDB allows one data path per process). Spans
// reach otel_traces through the real ingest (OTLP protobuf over an in-process
// transport), so the lookup table's view fills as it does in production.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { AGENT_SCOPE_NAME, SpanAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { queryApiPlugin } from '../../plugin.js';
import type { OtlpSpan } from '../../schemas/otlp-traces.js';
import { ingestSpans, traceScenario } from '../../traces/trace-fixtures.js';
import type { TraceResponse } from './get.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-traces-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
let app: FastifyInstance;

// Two minutes ago, odd nanoseconds: inside the TTL, and any trip through a JS number would show.
const scenario = traceScenario(BigInt(Date.now() - 120_000) * 1_000_000n + 123_457n);

before(async () => {
  await store.start();
  // As they arrive: the app's request, the agent's export of its interval, another service's trace.
  await ingestSpans(store, [scenario.appSpans, scenario.kernelSpans, [scenario.ledgerSpan]]);
  app = Fastify();
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function getTrace(traceId: string) {
  const response = await app.inject({ method: 'GET', url: `/v1/traces/${traceId}` });
  return { status: response.statusCode, body: response.json<TraceResponse & { error?: { code: string; message: string } }>() };
}

const spansOf = (body: TraceResponse): OtlpSpan[] => body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const isKernel = (span: OtlpSpan) => span.attributes.some((kv) => kv.key === SpanAttr.kernelDerived);

describe('GET /v1/traces/:traceId over chDB', () => {
  it("returns the trace's spans with exactly the slow syscalls of their process and thread inside them as children", async () => {
    const { status, body } = await getTrace(scenario.traceId);
    assert.equal(status, 200);
    assert.equal(body.traceId, scenario.traceId);
    assert.deepEqual(body.warnings, []);
    const spans = spansOf(body);
    assert.deepEqual(
      spans.filter((span) => !isKernel(span)).map((span) => [span.spanId, span.parentSpanId]),
      [
        [scenario.ids.root, ''],
        [scenario.ids.query, scenario.ids.root],
        [scenario.ids.render, scenario.ids.root],
      ],
    );
    assert.deepEqual(
      spans.filter(isKernel).map((span) => [span.name, span.spanId, span.parentSpanId, span.traceId]),
      [
        // Thread 4243's read lands in the query span, which runs on that thread.
        ['read', scenario.kernelIds.readInQuery, scenario.ids.query, scenario.traceId],
        // Another thread's futex at the same time: the query span names its thread, so the root takes it.
        ['futex', scenario.kernelIds.futexOtherThread, scenario.ids.root, scenario.traceId],
        ['fsync', scenario.kernelIds.fsyncInRender, scenario.ids.render, scenario.traceId],
      ],
    );
  });

  it('serves OTLP JSON: resources and scopes grouped, exact nanoseconds, typed attributes, the kernel flag', async () => {
    const { body } = await getTrace(scenario.traceId);
    // Attributes in their stored order: sorted by key, as the Collector's exporter stores them.
    assert.deepEqual(
      body.resourceSpans.map((rs) => [rs.resource.attributes.map((kv) => kv.key), rs.scopeSpans.map((ss) => ss.scope)]),
      [
        [['host.name', 'process.pid', 'service.name', 'service.version'], [{ name: 'checkout-instrumentation', version: '2.0.0' }]],
        [['host.name', 'process.pid', 'service.name'], [{ name: AGENT_SCOPE_NAME, version: '' }]],
      ],
    );
    assert.deepEqual(body.resourceSpans[0]?.resource.attributes[1], { key: 'process.pid', value: { intValue: '4242' } });
    const root = spansOf(body)[0]!;
    assert.deepEqual(root, {
      traceId: scenario.traceId,
      spanId: scenario.ids.root,
      traceState: '',
      parentSpanId: '',
      name: 'POST /checkout',
      kind: 2,
      startTimeUnixNano: scenario.at(0).toString(),
      endTimeUnixNano: scenario.at(300).toString(),
      attributes: [
        { key: 'cache.hit', value: { boolValue: false } },
        { key: 'http.request.method', value: { stringValue: 'POST' } },
        { key: 'http.response.status_code', value: { intValue: '503' } },
        { key: 'retry.ratio', value: { doubleValue: 0.25 } },
      ],
      events: [{ timeUnixNano: scenario.at(290).toString(), name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'PaymentDeclined' } }] }],
      links: [],
      status: { code: 2, message: 'payment declined' },
    });
    const read = spansOf(body).find((span) => span.spanId === scenario.kernelIds.readInQuery)!;
    assert.equal(read.startTimeUnixNano, scenario.at(60).toString());
    assert.equal(read.endTimeUnixNano, scenario.at(100).toString());
    assert.deepEqual(read.attributes.at(-1), { key: SpanAttr.kernelDerived, value: { boolValue: true } });
    assert.deepEqual(
      read.attributes.find((kv) => kv.key === SpanAttr.threadId),
      { key: SpanAttr.threadId, value: { intValue: '4243' } },
    );
  });

  it('takes the id in either case; a trace of another process has none of these syscalls', async () => {
    assert.equal((await getTrace(scenario.traceId.toUpperCase())).status, 200);
    const ledger = await getTrace(scenario.ledgerTraceId);
    assert.equal(ledger.status, 200);
    assert.deepEqual(spansOf(ledger.body).map((span) => span.name), ['ledger consume']);
  });

  it('answers 404 for an absent trace and 400 for a malformed id', async () => {
    const absent = await getTrace('0123456789abcdef0123456789abcdef');
    assert.equal(absent.status, 404);
    assert.deepEqual(absent.body, { error: { code: 'TRACE_NOT_FOUND', message: 'no trace 0123456789abcdef0123456789abcdef' } });
    for (const malformed of ['abc', 'g'.repeat(32), '0'.repeat(32), `${scenario.traceId}00`, "5b8efff798038103d269b633813fc60'"]) {
      const { status, body } = await getTrace(encodeURIComponent(malformed));
      assert.equal(status, 400, malformed);
      assert.equal(body.error?.code, 'INVALID_PARAMETER', malformed);
      assert.match(body.error?.message ?? '', /^params\/traceId must match pattern/, malformed);
    }
  });
});
