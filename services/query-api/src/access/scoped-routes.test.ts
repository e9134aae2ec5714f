// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the file. Spans go in through the real ingest (OTLP protobuf
// over an in-process transport), syscall points through the ingest's row
// builders, SLOs through PUT with the admin key. The app is mounted behind
// apiKeyAuth with an admin key and a key scoped to services starting with
// "check": every route that returns per-service data answers that key with
// its services only, and says nothing about the others.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { queryApiPlugin } from '../plugin.js';
import type { JaegerTrace } from '../schemas/jaeger.js';
import type { OtlpResourceSpans } from '../schemas/otlp-traces.js';
import { insertHistograms, syscallPoint } from '../test-fixtures/telemetry.js';
import { ingestSpans, processResource, span, traceScenario } from '../traces/trace-fixtures.js';
import { adminKey, sha256Hex } from './api-keys.js';
import { apiKeyAuth } from './auth-plugin.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-scoped-routes-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const ADMIN = 'admin-secret-0123456789abcdef';
const CHECKOUT = 'checkout-secret-0123456789abcdef';
const UNKNOWN_TRACE = 'ffffffffffffffffffffffffffffffff';
let app: FastifyInstance;

const baseNs = BigInt(Date.now() - 120_000) * 1_000_000n + 123_457n;
const scenario = traceScenario(baseNs);
// A ledger span inside the checkout trace: the trace crosses the scope's edge.
const ledgerInCheckout = span({
  traceId: scenario.traceId,
  spanId: 'ddddddddddddddd1',
  parentSpanId: scenario.ids.root,
  name: 'ledger write',
  kind: SpanKind.SERVER,
  startNs: scenario.at(100),
  endNs: scenario.at(140),
  resource: processResource('ledger', 'host-b', 7),
  scope: { name: 'ledger-instrumentation' },
});

function readLatencySlo(name: string, service: string, sourceService = service): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
spec:
  service: ${service}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: syscall.duration
            service: ${sourceService}
            syscall: read
            statistic: p99
  timeWindow:
    - duration: 1d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 20
      target: 0.99
      timeSliceWindow: 1m
`;
}

before(async () => {
  await store.start();
  await ingestSpans(store, [scenario.appSpans, scenario.kernelSpans, [scenario.ledgerSpan, ledgerInCheckout]]);
  const minuteAgo = Math.floor(Date.now() / 1000) - 90;
  const read = { offset: 23, counts: [10], sumNs: 1.2e8, maxNs: 1.6e7 };
  await insertHistograms(store, [
    syscallPoint('checkout', minuteAgo, 'read', 'network', read),
    syscallPoint('ledger', minuteAgo, 'fsync', 'disk', read, 'host-b'),
  ]);
  app = Fastify();
  const keys = new Map([
    adminKey(ADMIN, 1_000_000),
    [sha256Hex(CHECKOUT), { keyId: 'checkout', scope: { servicePrefixes: ['check'] }, rateLimitPerMinute: 1_000_000 }],
  ]);
  await app.register(apiKeyAuth, { keys, publicPaths: new Set<string>(), anyKeyPathPrefixes: [] });
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
  for (const [name, service, source] of [
    ['checkout-read', 'checkout', 'checkout'],
    ['ledger-read', 'ledger', 'ledger'],
    ['checkout-reads-ledger', 'checkout', 'ledger'],
  ] as const) {
    const put = await app.inject({
      method: 'PUT',
      url: `/v1/slos/${name}`,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/yaml' },
      payload: readLatencySlo(name, service, source),
    });
    assert.equal(put.statusCode, 200, put.body);
  }
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get<Body>(url: string, secret: string): Promise<{ status: number; body: Body; text: string }> {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });
  const json = response.headers['content-type']?.startsWith('application/json') ? response.json<Body>() : (undefined as Body);
  return { status: response.statusCode, body: json, text: response.body };
}

function serviceOf(rs: OtlpResourceSpans): string {
  const value = rs.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value;
  return value !== undefined && 'stringValue' in value ? value.stringValue : '?';
}
const otlpServices = (resourceSpans: OtlpResourceSpans[]): string[] => [...new Set(resourceSpans.map(serviceOf))].sort();
const otlpSpanIds = (resourceSpans: OtlpResourceSpans[]): string[] =>
  resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId))).sort();

describe('a key scoped to service prefixes, on every per-service route', () => {
  it('GET /v1/traces/:id: only the spans of its services (kernel children included); a trace with none is a 404 like an unknown id', async () => {
    const admin = await get<{ resourceSpans: OtlpResourceSpans[] }>(`/v1/traces/${scenario.traceId}`, ADMIN);
    assert.equal(admin.status, 200);
    assert.deepEqual(otlpServices(admin.body.resourceSpans), ['checkout', 'ledger']);
    const scoped = await get<{ resourceSpans: OtlpResourceSpans[] }>(`/v1/traces/${scenario.traceId}`, CHECKOUT);
    assert.equal(scoped.status, 200);
    assert.deepEqual(otlpServices(scoped.body.resourceSpans), ['checkout']);
    const adminIds = otlpSpanIds(admin.body.resourceSpans);
    assert.deepEqual(otlpSpanIds(scoped.body.resourceSpans), adminIds.filter((id) => id !== 'ddddddddddddddd1'));
    assert.ok(otlpSpanIds(scoped.body.resourceSpans).includes(scenario.kernelIds.fsyncInRender), 'kernel children of its own spans stay');

    const ledgerOnly = await get<{ error: { code: string; message: string } }>(`/v1/traces/${scenario.ledgerTraceId}`, CHECKOUT);
    const unknown = await get<{ error: { code: string; message: string } }>(`/v1/traces/${UNKNOWN_TRACE}`, CHECKOUT);
    assert.equal(ledgerOnly.status, 404);
    assert.deepEqual(ledgerOnly.body, { error: { code: 'TRACE_NOT_FOUND', message: `no trace ${scenario.ledgerTraceId}` } });
    assert.deepEqual(unknown.body, { error: { code: 'TRACE_NOT_FOUND', message: `no trace ${UNKNOWN_TRACE}` } });
    assert.equal((await get(`/v1/traces/${scenario.ledgerTraceId}`, ADMIN)).status, 200);
  });

  it('GET /api/traces/:id and /api/v3/traces/:id: the same, in Jaeger shapes, the 404 bodies identical to an unknown id', async () => {
    const jaeger = await get<{ data: JaegerTrace[] }>(`/api/traces/${scenario.traceId}`, CHECKOUT);
    assert.equal(jaeger.status, 200);
    const [trace] = jaeger.body.data;
    assert.ok(trace);
    assert.deepEqual([...new Set(Object.values(trace.processes).map((process) => process.serviceName))], ['checkout']);
    assert.ok(!trace.spans.some((s) => s.spanID === 'ddddddddddddddd1'));
    const adminJaeger = await get<{ data: JaegerTrace[] }>(`/api/traces/${scenario.traceId}`, ADMIN);
    assert.equal(adminJaeger.body.data[0]?.spans.length, trace.spans.length + 1);

    for (const path of ['/api/traces/', '/api/v3/traces/']) {
      const hidden = await get(`${path}${scenario.ledgerTraceId}`, CHECKOUT);
      const unknown = await get(`${path}${UNKNOWN_TRACE}`, CHECKOUT);
      assert.equal(hidden.status, 404, path);
      assert.equal(hidden.text, unknown.text, `${path}: a hidden trace answers as an unknown one`);
    }
    const v3 = await get<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`/api/v3/traces/${scenario.traceId}`, CHECKOUT);
    assert.deepEqual(otlpServices(v3.body.result.resourceSpans), ['checkout']);
  });

  it('trace search: a service outside the scope is a 403; its own service finds traces without the other services\' spans', async () => {
    const start = (baseNs / 1_000n - 60_000_000n).toString();
    const end = (baseNs / 1_000n + 60_000_000n).toString();
    const ledger = await get<{ errors: { code: number; msg: string }[] }>(`/api/traces?service=ledger&start=${start}&end=${end}`, CHECKOUT);
    assert.equal(ledger.status, 403);
    assert.match(ledger.body.errors[0]?.msg ?? '', /service "ledger" is outside this key's scope/);
    const checkout = await get<{ data: JaegerTrace[] }>(`/api/traces?service=checkout&start=${start}&end=${end}`, CHECKOUT);
    assert.equal(checkout.status, 200);
    // The checkout trace, and the agent's one-span traces of checkout's slow syscalls.
    const found = checkout.body.data.map((t) => t.traceID);
    assert.ok(found.includes(scenario.traceId), found.join());
    assert.ok(!found.includes(scenario.ledgerTraceId));
    const processServices = new Set(checkout.body.data.flatMap((t) => Object.values(t.processes).map((process) => process.serviceName)));
    assert.deepEqual([...processServices], ['checkout']);
    const mixed = checkout.body.data.find((t) => t.traceID === scenario.traceId);
    assert.ok(mixed && !mixed.spans.some((s) => s.spanID === 'ddddddddddddddd1'), 'the ledger span of the checkout trace is left out');

    const byIds = await get<{ data: JaegerTrace[]; errors: { msg: string; traceID: string }[] }>(
      `/api/traces?traceID=${scenario.ledgerTraceId}&traceID=${scenario.traceId}`,
      CHECKOUT,
    );
    assert.deepEqual(byIds.body.data.map((t) => t.traceID), [scenario.traceId]);
    assert.deepEqual(byIds.body.errors, [{ msg: 'trace not found', traceID: scenario.ledgerTraceId }], 'a hidden trace is reported as an absent one');

    const window = `query.start_time_min=${new Date(Number(baseNs / 1_000_000n) - 60_000).toISOString()}&query.start_time_max=${new Date(Number(baseNs / 1_000_000n) + 60_000).toISOString()}`;
    const v3Ledger = await get<{ error: { httpCode: number; message: string } }>(`/api/v3/traces?query.service_name=ledger&${window}`, CHECKOUT);
    assert.equal(v3Ledger.status, 403);
    assert.equal(v3Ledger.body.error.httpCode, 403);
    const v3Checkout = await get<{ result: { resourceSpans: OtlpResourceSpans[] } }>(`/api/v3/traces?query.service_name=checkout&${window}`, CHECKOUT);
    assert.equal(v3Checkout.status, 200);
    assert.deepEqual(otlpServices(v3Checkout.body.result.resourceSpans), ['checkout']);
  });

  it('service lists hold only its services; operations of another service are a 403', async () => {
    assert.deepEqual((await get<{ data: string[] }>('/api/services', ADMIN)).body.data, ['checkout', 'ledger']);
    assert.deepEqual((await get<{ data: string[]; total: number }>('/api/services', CHECKOUT)).body, {
      data: ['checkout'],
      total: 1,
      limit: 0,
      offset: 0,
      errors: null,
    });
    assert.deepEqual((await get<{ services: string[] }>('/api/v3/services', CHECKOUT)).body, { services: ['checkout'] });
    for (const url of ['/api/services/ledger/operations', '/api/operations?service=ledger', '/api/v3/operations?service=ledger']) {
      assert.equal((await get(url, CHECKOUT)).status, 403, url);
    }
    const operations = await get<{ data: string[] }>('/api/services/checkout/operations', CHECKOUT);
    // checkout's own span names and its processes' slow syscalls (the agent's spans).
    assert.deepEqual(operations.body.data, ['POST /checkout', 'SELECT orders', 'fsync', 'futex', 'read', 'render', 'write']);
    assert.deepEqual((await get<{ data: string[] }>('/api/services/ledger/operations', ADMIN)).body.data, ['ledger consume', 'ledger write']);
  });

  it('SLOs: the list holds those whose services are all in scope; another one is a 404 like an unknown name; writes are refused', async () => {
    const names = async (secret: string) => (await get<{ slos: { name: string }[] }>('/v1/slos', secret)).body.slos.map((slo) => slo.name).sort();
    assert.deepEqual(await names(ADMIN), ['checkout-read', 'checkout-reads-ledger', 'ledger-read']);
    assert.deepEqual(await names(CHECKOUT), ['checkout-read']);
    assert.equal((await get('/v1/slos/checkout-read', CHECKOUT)).status, 200);
    assert.equal((await get('/v1/slos/checkout-read/report', CHECKOUT)).status, 200);
    for (const name of ['ledger-read', 'checkout-reads-ledger']) {
      for (const suffix of ['', '/report']) {
        const hidden = await get<{ error: { code: string; message: string } }>(`/v1/slos/${name}${suffix}`, CHECKOUT);
        assert.deepEqual([hidden.status, hidden.body], [404, { error: { code: 'SLO_NOT_FOUND', message: `no SLO named ${name}` } }]);
      }
    }
    const reports = async (secret: string) => (await get<{ reports: { name: string }[] }>('/v1/slo-reports', secret)).body.reports.map((one) => one.name);
    assert.deepEqual(await reports(ADMIN), ['checkout-read', 'checkout-reads-ledger', 'ledger-read']);
    assert.deepEqual(await reports(CHECKOUT), ['checkout-read']);
    const unknown = await get<{ error: { code: string } }>('/v1/slos/no-such-slo', CHECKOUT);
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'SLO_NOT_FOUND']);
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/slos/checkout-read',
      headers: { authorization: `Bearer ${CHECKOUT}`, 'content-type': 'application/yaml' },
      payload: readLatencySlo('checkout-read', 'checkout'),
    });
    assert.equal(put.statusCode, 403);
    const deleted = await app.inject({ method: 'DELETE', url: '/v1/slos/ledger-read', headers: { authorization: `Bearer ${CHECKOUT}` } });
    assert.equal(deleted.statusCode, 403);
  });

  it('diagnose: its own service answers with its waits; another service is a 403', async () => {
    const own = await get<{ service: string; waitsByClass: { waitClass: string; blockedSeconds: number }[] }>('/v1/diagnose/checkout?window=1h', CHECKOUT);
    assert.equal(own.status, 200);
    assert.equal(own.body.service, 'checkout');
    assert.deepEqual(own.body.waitsByClass.map((wait) => [wait.waitClass, wait.blockedSeconds]), [['network', 0.12]]);
    const other = await get<{ error: { code: string; message: string } }>('/v1/diagnose/ledger?window=1h', CHECKOUT);
    assert.deepEqual([other.status, other.body.error.code], [403, 'FORBIDDEN']);
    assert.equal((await get('/v1/diagnose/ledger?window=1h', ADMIN)).status, 200);
  });

  it('top syscalls: its services only, and a filter on another service is a 403', async () => {
    const top = await get<{ rows: { service: string }[] }>('/v1/syscalls/top?window=1h&includeIdle=true', CHECKOUT);
    assert.deepEqual(top.body.rows.map((row) => row.service), ['checkout']);
    const admin = await get<{ rows: { service: string }[] }>('/v1/syscalls/top?window=1h&includeIdle=true', ADMIN);
    assert.deepEqual(admin.body.rows.map((row) => row.service).sort(), ['checkout', 'ledger']);
    assert.equal((await get('/v1/syscalls/top?window=1h&service=ledger', CHECKOUT)).status, 403);
  });

  it('dead letters carry no service (undecodable records): admin keys only', async () => {
    const scoped = await get<{ error: { code: string } }>('/v1/dead-letters?window=1h', CHECKOUT);
    assert.deepEqual([scoped.status, scoped.body.error.code], [403, 'FORBIDDEN']);
    assert.equal((await get('/v1/dead-letters?window=1h', ADMIN)).status, 200);
  });
});
