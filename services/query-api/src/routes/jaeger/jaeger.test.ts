// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the whole file (chDB allows one data path per process). Spans
// reach otel_traces through the real ingest (OTLP protobuf over an in-process
// transport). Covers the Jaeger routes under /api and /api/v3.
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
import type { JaegerTrace } from '../../schemas/jaeger.js';
import type { OtlpResourceSpans } from '../../schemas/otlp-traces.js';
import { ingestSpans, traceScenario } from '../../traces/trace-fixtures.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-jaeger-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
let app: FastifyInstance;

const baseNs = BigInt(Date.now() - 120_000) * 1_000_000n + 123_457n;
const scenario = traceScenario(baseNs);
const us = (ns: bigint) => Number(ns / 1_000n);

before(async () => {
  await store.start();
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

async function get<Body>(url: string): Promise<{ status: number; body: Body }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json<Body>() };
}

interface Structured<Data> {
  data: Data[] | null;
  total: number;
  limit: number;
  offset: number;
  errors: { code?: number; msg: string }[] | null;
}

const kernelTag = { key: SpanAttr.kernelDerived, type: 'bool', value: true };

describe('Jaeger HTTP API over chDB', () => {
  it('GET /api/traces/:traceID: spans field by field, kernel children under their spans, processes from resources', async () => {
    const { status, body } = await get<Structured<JaegerTrace>>(`/api/traces/${scenario.traceId}`);
    assert.equal(status, 200);
    assert.deepEqual({ ...body, data: null }, { data: null, total: 0, limit: 0, offset: 0, errors: null });
    const [trace] = body.data ?? [];
    assert.ok(trace);
    assert.equal(trace.traceID, scenario.traceId);
    assert.equal(trace.warnings, null);
    assert.deepEqual(trace.processes, {
      p1: {
        serviceName: 'checkout',
        tags: [
          { key: 'host.name', type: 'string', value: 'host-a' },
          { key: 'process.pid', type: 'int64', value: 4242 },
          { key: 'service.version', type: 'string', value: '1.4.2' },
        ],
      },
      p2: {
        serviceName: 'checkout',
        tags: [
          { key: 'host.name', type: 'string', value: 'host-a' },
          { key: 'process.pid', type: 'int64', value: 4242 },
        ],
      },
    });
    assert.deepEqual(trace.spans[0], {
      traceID: scenario.traceId,
      spanID: scenario.ids.root,
      operationName: 'POST /checkout',
      references: [],
      startTime: us(scenario.at(0)),
      duration: 300_000,
      tags: [
        { key: 'otel.scope.name', type: 'string', value: 'checkout-instrumentation' },
        { key: 'otel.scope.version', type: 'string', value: '2.0.0' },
        // The span's attributes in their stored order: sorted by key, as the Collector's exporter stores them.
        { key: 'cache.hit', type: 'bool', value: false },
        { key: 'http.request.method', type: 'string', value: 'POST' },
        { key: 'http.response.status_code', type: 'int64', value: 503 },
        { key: 'retry.ratio', type: 'float64', value: 0.25 },
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.status_description', type: 'string', value: 'payment declined' },
      ],
      logs: [
        {
          timestamp: us(scenario.at(290)),
          fields: [
            { key: 'event', type: 'string', value: 'exception' },
            { key: 'exception.type', type: 'string', value: 'PaymentDeclined' },
          ],
        },
      ],
      processID: 'p1',
      warnings: null,
    });
    const read = trace.spans.find((span) => span.spanID === scenario.kernelIds.readInQuery);
    assert.deepEqual(read, {
      traceID: scenario.traceId,
      spanID: scenario.kernelIds.readInQuery,
      operationName: 'read',
      references: [{ refType: 'CHILD_OF', traceID: scenario.traceId, spanID: scenario.ids.query }],
      startTime: us(scenario.at(60)),
      duration: 40_000,
      tags: [
        { key: 'otel.scope.name', type: 'string', value: AGENT_SCOPE_NAME },
        { key: SpanAttr.syscallName, type: 'string', value: 'read' },
        { key: SpanAttr.waitClass, type: 'string', value: 'ipc' },
        { key: SpanAttr.threadId, type: 'int64', value: 4243 },
        { key: 'span.kind', type: 'string', value: 'internal' },
        kernelTag,
      ],
      logs: [],
      processID: 'p2',
      warnings: null,
    });
    assert.deepEqual(
      trace.spans.filter((span) => span.tags.some((tag) => tag.key === SpanAttr.kernelDerived)).map((span) => [span.operationName, span.references[0]?.spanID]),
      [
        ['read', scenario.ids.query],
        ['futex', scenario.ids.root],
        ['fsync', scenario.ids.render],
      ],
    );
  });

  it('GET /api/traces/:traceID takes a 64-bit id left-padded, answers 404 and 400 in the structured shape', async () => {
    const notFound = await get<Structured<JaegerTrace>>('/api/traces/123456789abcdef0');
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.body, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] });
    const malformed = await get<Structured<JaegerTrace>>('/api/traces/not-hex');
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.errors?.[0]?.msg ?? '', /^params\/traceID must match pattern/);
    assert.equal((await get<Structured<JaegerTrace>>(`/api/traces/${'0'.repeat(16)}`)).status, 400);
  });

  it('GET /api/services and the operations routes list what otel_traces holds', async () => {
    assert.deepEqual((await get('/api/services')).body, { data: ['checkout', 'ledger'], total: 2, limit: 0, offset: 0, errors: null });
    const operations = await get<Structured<string>>('/api/services/checkout/operations');
    assert.deepEqual(operations.body.data, ['POST /checkout', 'SELECT orders', 'fsync', 'futex', 'read', 'render', 'write']);
    assert.equal(operations.body.total, 7);
    assert.deepEqual((await get('/api/operations?service=checkout&spanKind=server')).body, {
      data: [{ name: 'POST /checkout', spanKind: 'server' }],
      total: 1,
      limit: 0,
      offset: 0,
      errors: null,
    });
  });

  it('GET /api/traces searches by service, operation, tags, time (µs) and duration', async () => {
    const search = async (query: string) => {
      const { status, body } = await get<Structured<JaegerTrace>>(`/api/traces?${query}`);
      assert.equal(status, 200, query);
      return (body.data ?? []).map((trace) => trace.traceID);
    };
    const startUs = us(scenario.at(-1_000));
    const endUs = us(scenario.at(2_000));
    const window = `start=${startUs}&end=${endUs}`;
    assert.deepEqual(await search(`service=checkout&operation=${encodeURIComponent('POST /checkout')}&${window}`), [scenario.traceId]);
    assert.deepEqual(await search(`service=checkout&operation=render&minDuration=70ms&maxDuration=90ms&${window}`), [scenario.traceId]);
    assert.deepEqual(await search(`service=checkout&operation=render&minDuration=81ms&${window}`), []);
    assert.deepEqual(await search(`service=checkout&operation=${encodeURIComponent('POST /checkout')}&tags=${encodeURIComponent('{"http.response.status_code":"503","service.version":"1.4.2"}')}&${window}`), [scenario.traceId]);
    assert.deepEqual(await search(`service=checkout&operation=${encodeURIComponent('POST /checkout')}&tags=${encodeURIComponent('{"http.response.status_code":"200"}')}&${window}`), []);
    assert.deepEqual(await search(`service=ledger&${window}`), [scenario.ledgerTraceId]);
    assert.deepEqual(await search(`service=ledger&start=${startUs}&end=${us(scenario.at(900))}`), []);
    assert.deepEqual(await search('service=ledger&lookback=1h'), [scenario.ledgerTraceId]);
    // The app trace comes back whole, kernel children included.
    const { body } = await get<Structured<JaegerTrace>>(`/api/traces?service=checkout&operation=render&${window}`);
    assert.equal(body.data?.[0]?.spans.filter((span) => span.tags.some((tag) => tag.key === SpanAttr.kernelDerived)).length, 3);
  });

  it('GET /api/traces takes tag=key:value like Jaeger, and traceID (repeated) to fetch traces without a search', async () => {
    const window = `start=${us(scenario.at(-1_000))}&end=${us(scenario.at(2_000))}`;
    const tagged = async (tags: string[]) => {
      const query = tags.map((tag) => `tag=${encodeURIComponent(tag)}`).join('&');
      const { status, body } = await get<Structured<JaegerTrace>>(`/api/traces?service=checkout&operation=render&${query}&${window}`);
      assert.equal(status, 200);
      return (body.data ?? []).map((trace) => trace.traceID);
    };
    // The first colon splits key from value; the rest belongs to the value.
    assert.deepEqual(await tagged(['service.version:1.4.2']), [scenario.traceId]);
    assert.deepEqual(await tagged(['service.version:1.4.2', 'host.name:host-b']), []);
    const malformed = await get<Structured<JaegerTrace>>('/api/traces?service=checkout&tag=no-colon');
    assert.deepEqual([malformed.status, malformed.body.errors?.[0]?.msg], [400, "malformed 'tag' parameter, expecting key:value, received: no-colon"]);

    const missing = 'ffffffffffffffffffffffffffffff01';
    const byIds = await get<Structured<JaegerTrace>>(`/api/traces?traceID=${scenario.ledgerTraceId}&traceID=${missing}&traceID=${scenario.traceId.toUpperCase()}&raw=true`);
    assert.equal(byIds.status, 200);
    assert.deepEqual(
      byIds.body.data?.map((trace) => trace.traceID),
      [scenario.ledgerTraceId, scenario.traceId],
    );
    assert.deepEqual(byIds.body.errors, [{ msg: 'trace not found', traceID: missing }]);
    const one = await get<Structured<JaegerTrace>>(`/api/traces?traceID=${scenario.ledgerTraceId}`);
    assert.deepEqual([one.body.data?.length, one.body.errors], [1, null]);
  });

  it('GET /api/traces answers 400 for bad input, naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['', /^parameter 'service' is required$/],
      ['service=checkout&start=abc', /^querystring\/start must match pattern/],
      ['service=checkout&minDuration=10', /^querystring\/minDuration must match pattern/],
      ['service=checkout&minDuration=20ms&maxDuration=10ms', /^'maxDuration' should be greater than 'minDuration'$/],
      ['service=checkout&tags=%7Bnot-json', /^malformed 'tags' parameter, cannot unmarshal JSON/],
      ['service=checkout&tags=%5B%5D', /^malformed 'tags' parameter, expecting a JSON object of strings$/],
      ['service=checkout&limit=0', /^querystring\/limit must be >= 1$/],
      ['service=checkout&start=20&end=10', /^'start' must not be after 'end'$/],
    ];
    for (const [query, message] of cases) {
      const { status, body } = await get<Structured<JaegerTrace>>(`/api/traces?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.data, null, query);
      assert.equal(body.errors?.[0]?.code, 400, query);
      assert.match(body.errors?.[0]?.msg ?? '', message, query);
    }
  });
});

describe('Jaeger api_v3 over chDB', () => {
  type Result = { result: { resourceSpans: OtlpResourceSpans[] } };
  const spanIdsOf = (body: Result) => body.result.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => [span.name, span.parentSpanId])));

  it('GET /api/v3/traces/:trace_id returns OTLP JSON with the kernel children', async () => {
    const { status, body } = await get<Result>(`/api/v3/traces/${scenario.traceId}`);
    assert.equal(status, 200);
    assert.deepEqual(spanIdsOf(body), [
      ['POST /checkout', ''],
      ['SELECT orders', scenario.ids.root],
      ['render', scenario.ids.root],
      ['read', scenario.ids.query],
      ['futex', scenario.ids.root],
      ['fsync', scenario.ids.render],
    ]);
    const notFound = await get(`/api/v3/traces/${'1'.repeat(32)}`);
    assert.deepEqual(notFound, { status: 404, body: { error: { httpCode: 404, message: 'No traces found' } } });
  });

  it('GET /api/v3/traces searches with query.* parameters in either spelling', async () => {
    const min = new Date(Number(scenario.at(-1_000) / 1_000_000n)).toISOString();
    const max = new Date(Number(scenario.at(2_000) / 1_000_000n)).toISOString();
    const camel = await get<Result>(`/api/v3/traces?query.serviceName=ledger&query.startTimeMin=${min}&query.startTimeMax=${max}`);
    assert.deepEqual(spanIdsOf(camel.body), [['ledger consume', '']]);
    const snake = await get<Result>(`/api/v3/traces?query.service_name=checkout&query.operation_name=render&query.duration_min=70ms&query.start_time_min=${min}&query.start_time_max=${max}`);
    assert.equal(spanIdsOf(snake.body).length, 6);
    const missing = await get<{ error: { httpCode: number; message: string } }>('/api/v3/traces?query.serviceName=ledger');
    assert.deepEqual(missing, { status: 400, body: { error: { httpCode: 400, message: 'query.startTimeMin and query.startTimeMax are required' } } });
  });

  it('GET /api/v3/services and /api/v3/operations', async () => {
    assert.deepEqual((await get('/api/v3/services')).body, { services: ['checkout', 'ledger'] });
    assert.deepEqual((await get('/api/v3/operations?service=checkout&spanKind=client')).body, { operations: [{ name: 'SELECT orders', spanKind: 'client' }] });
    assert.equal((await get('/api/v3/operations?service=checkout&spanKind=bogus')).status, 400);
  });
});
