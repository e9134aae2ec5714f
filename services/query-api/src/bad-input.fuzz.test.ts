// Real component: the chDB engine (embedded ClickHouse) through createStore,
// with data in every table a route reads (an application trace with kernel
// spans through the real ingest, syscall points, an SLO stored through PUT),
// so that requests which pass validation run real queries over real rows.
// The routes under test are every route the app registers (an onRoute hook),
// checked against the OpenAPI document: a new route is fuzzed without
// touching this file, and the test fails when a documented route is not
// reached. Each gets generated bad input: malformed windows and steps, huge
// limits, injection strings, unicode, wrong types, repeated and unknown
// parameters, trace ids of every length in path parameters, bodies of every
// content type, missing, unknown and out-of-scope keys. No answer may be a
// 5xx; every 4xx must be JSON naming the problem.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import Fastify, { type FastifyInstance, type HTTPMethods } from 'fastify';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { adminKey, sha256Hex } from './access/api-keys.js';
import { apiKeyAuth } from './access/auth-plugin.js';
import { queryApiPlugin } from './plugin.js';
import { insertHistograms, syscallPoint } from './test-fixtures/telemetry.js';
import { ingestSpans, traceScenario } from './traces/trace-fixtures.js';
import { seededRandom } from '@stallscope/common/test-support';

const REQUESTS = 10_000;
const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-fuzz-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const ADMIN = 'admin-secret-0123456789';
const SCOPED = 'scoped-secret-0123456789';
const scenario = traceScenario(BigInt(Date.now() - 120_000) * 1_000_000n);

const SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-read
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-read-sli
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: syscall.duration
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

interface RouteUnderTest {
  method: string;
  url: string;
  parameters: string[];
}
const routes: RouteUnderTest[] = [];
let app: FastifyInstance;

before(async () => {
  await store.start();
  await ingestSpans(store, [scenario.appSpans, scenario.kernelSpans, [scenario.ledgerSpan]]);
  const minuteAgo = Math.floor(Date.now() / 1000) - 90;
  await insertHistograms(store, [
    syscallPoint('checkout', minuteAgo, 'read', 'network', { offset: 21, counts: [2], sumNs: 5e6, maxNs: 3e6 }),
    syscallPoint('pay', minuteAgo, 'fsync', 'disk', { offset: 21, counts: [2], sumNs: 5e6, maxNs: 3e6 }, 'host-b'),
  ]);
  app = Fastify();
  app.addHook('onRoute', (route) => {
    const methods = ([] as HTTPMethods[]).concat(route.method);
    const querystring = route.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
    for (const method of methods) routes.push({ method, url: route.url, parameters: Object.keys(querystring?.properties ?? {}) });
  });
  const keys = new Map([
    adminKey(ADMIN, 1_000_000),
    [sha256Hex(SCOPED), { keyId: 'scoped', scope: { servicePrefixes: ['check'] }, rateLimitPerMinute: 1_000_000 }],
  ]);
  await app.register(apiKeyAuth, { keys, publicPaths: new Set<string>(), anyKeyPathPrefixes: ['/docs'] });
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
  const put = await app.inject({
    method: 'PUT',
    url: '/v1/slos/checkout-read',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/yaml' },
    payload: SLO,
  });
  assert.equal(put.statusCode, 200, put.body);
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const BAD_VALUES = [
  '', ' ', '0', '-1', '1.5', '1e309', '99999999999999999999', 'NaN', 'Infinity', 'null', 'true', '[]', '{}',
  '5m', '15m', '1h', '6h', '25h', '7d', '30d', '31d', '0m', '1m', '999999999d', '5M', '5 m', '5m;', 'm', '1s',
  "' OR '1'='1", "x'; DROP TABLE otel_traces; --", '{service:String}', '\\', '%00', '\u0000', '../../etc/passwd',
  '日本語', '🙂'.repeat(40), '\u202etxt', 'a'.repeat(300), 'b'.repeat(5_000), 'service', 'host', 'pay', 'payments', 'other',
  'idle', 'lock', 'disk', 'errno', 'errnoClass', 'container', 'waitClass', 'EAGAIN', 'checkout', 'ledger', 'checkout-read',
  '{"http.request.method":"POST"}', '{"a":1}', '{', '2026-11-22T05:00:00Z', '2026-13-45T99:99:99Z', '10ms', '1.5s', '-5s', 'json',
  'markdown', 'html', 'server', 'client', 'internal',
];
/** Trace ids of every length from 0 to 40 characters, hex and not, the stored ones and their prefixes among them. */
const TRACE_IDS = [
  ...Array.from({ length: 41 }, (_, length) => scenario.traceId.repeat(2).slice(0, length)),
  ...Array.from({ length: 41 }, (_, length) => 'f'.repeat(length)),
  '0'.repeat(32), '0'.repeat(16), scenario.ledgerTraceId, scenario.ledgerTraceId.toUpperCase(), 'g'.repeat(32), `${scenario.traceId.slice(0, 31)}%`,
];
const PARAMETER_NAMES = ['window', 'step', 'by', 'service', 'host', 'limit', 'syscall', 'constructor', '__proto__', 'x'];
const AUTHORIZATIONS: (string | undefined)[] = [`Bearer ${ADMIN}`, `Bearer ${ADMIN}`, `Bearer ${SCOPED}`, `Bearer ${SCOPED}`, undefined, 'Bearer ', `Bearer ${ADMIN}x`, 'Basic YTpi', ADMIN];
const BODIES: { contentType: string; payload: string }[] = [
  { contentType: 'application/yaml', payload: SLO },
  { contentType: 'application/yaml', payload: SLO.replace('checkout-read', 'other-name') },
  { contentType: 'application/yaml', payload: SLO.replace('target: 0.99', 'target: 7') },
  { contentType: 'application/yaml', payload: 'kind: [' },
  { contentType: 'application/yaml', payload: '' },
  { contentType: 'text/plain', payload: "' OR 1=1; --" },
  { contentType: 'application/json', payload: '{"a":' },
  { contentType: 'application/json', payload: '"apiVersion: openslo/v1"' },
  { contentType: 'application/json', payload: '[1,2,3]' },
  { contentType: 'application/octet-stream', payload: '\u0000\u0001' },
  { contentType: 'application/yaml', payload: 'x'.repeat(300_000) },
];

/** A value for a path parameter: trace ids for trace routes, anything elsewhere. */
function pathValue(parameter: string, pick: <T>(values: readonly T[]) => T, random: () => number): string {
  const traceLike = /trace/i.test(parameter);
  return traceLike && random() < 0.8 ? pick(TRACE_IDS) : pick(BAD_VALUES);
}

function requestFor(route: RouteUnderTest, random: () => number) {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const query = new URLSearchParams();
  const names = [...route.parameters, ...PARAMETER_NAMES];
  const count = Math.floor(random() * 5);
  for (let i = 0; i < count; i++) query.append(pick(names), pick(BAD_VALUES));
  const path = route.url
    .replace(/:(\w+)/g, (_, parameter: string) => encodeURIComponent(pathValue(parameter, pick, random)))
    .replace('*', () => encodeURIComponent(pick(BAD_VALUES)));
  const search = query.toString();
  const authorization = pick(AUTHORIZATIONS);
  const body = route.method === 'PUT' || route.method === 'POST' ? pick(BODIES) : undefined;
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = body.contentType;
  return {
    method: route.method as HTTPMethods,
    url: search === '' ? path : `${path}?${search}`,
    headers,
    ...(body === undefined ? {} : { payload: body.payload }),
  };
}

/** Every method and path of the OpenAPI document the API serves, in fastify's :param spelling. */
async function documentedRoutes(): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: '/docs/json', headers: { authorization: `Bearer ${ADMIN}` } });
  const document = response.json<{ paths?: Record<string, Record<string, unknown>> }>();
  return Object.entries(document.paths ?? {}).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => routeKey(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ':$1'))),
  );
}

/** A route's method and path, without the trailing slash the OpenAPI document may add to a prefix's root. */
const routeKey = (method: string, url: string): string => `${method} ${url.length > 1 ? url.replace(/\/$/, '') : url}`;

it(`${REQUESTS} generated bad requests to every route: no 5xx, every 4xx a JSON body naming the problem`, async () => {
  const underTest = new Set(routes.map((route) => routeKey(route.method, route.url)));
  const documented = await documentedRoutes();
  assert.ok(documented.length >= 20, `the OpenAPI document lists the routes: ${documented.join(', ')}`);
  for (const route of documented) assert.ok(underTest.has(route), `${route} is documented but not fuzzed`);

  const random = seededRandom(8);
  const statuses = new Map<number, number>();
  /** Requests per route that got past the key check (an answer other than 401/403), so the route's own code ran. */
  const reached = new Map<string, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const route = routes[i % routes.length] as RouteUnderTest;
    const request = requestFor(route, random);
    const response = await app.inject(request);
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const where = `${request.method} ${request.url.slice(0, 300)} (${request.headers.authorization ?? 'no key'})`;
    assert.ok(response.statusCode < 500, `${response.statusCode} for ${where}: ${response.body.slice(0, 300)}`);
    if (response.statusCode !== 401 && response.statusCode !== 403) {
      const key = routeKey(route.method, route.url);
      reached.set(key, (reached.get(key) ?? 0) + 1);
    }
    if (response.statusCode >= 400 && request.method !== 'HEAD') {
      // Our routes answer { error: { code, message } }; the Jaeger-compatible ones in Jaeger's own shapes.
      const body = response.json<{ error?: { code?: string; message?: string }; message?: string; errors?: { msg?: string }[] }>();
      const message = body.error?.message ?? body.message ?? body.errors?.[0]?.msg;
      assert.ok(typeof message === 'string' && message.length > 0, `${response.statusCode} without a message for ${where}: ${response.body.slice(0, 300)}`);
    }
  }
  const missed = [...underTest].filter((route) => (reached.get(route) ?? 0) === 0);
  assert.deepEqual(missed, [], 'every route answered some requests past the key check');
  const served = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
  assert.ok(served > REQUESTS / 50, `some requests were valid enough to query: ${JSON.stringify([...statuses])}`);
});
