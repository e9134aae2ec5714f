// Real component: the chDB engine (embedded ClickHouse) through createStore,
// with a few raw points so that requests which pass validation run real
// queries. Every route registered when the app is ready (enumerated with an
// onRoute hook, the API docs' included) gets generated bad input: malformed
// windows and steps, huge limits, injection strings, unicode, wrong types,
// repeated and unknown parameters, missing, unknown and out-of-scope keys.
// No answer may be a 5xx; every 4xx must be JSON naming the problem.
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

const REQUESTS = 10_000;
const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-fuzz-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const ADMIN = 'admin-secret-0123456789';
const SCOPED = 'scoped-secret-0123456789';

interface RouteUnderTest {
  method: string;
  url: string;
  parameters: string[];
}
const routes: RouteUnderTest[] = [];
let app: FastifyInstance;

before(async () => {
  await store.start();
  const timeUnix = `${Math.floor(Date.now() / 1000) - 60}.000000000`;
  await store.client.insert({
    table: 'otel_metrics_exponential_histogram',
    values: [
      {
        ResourceAttributes: { 'host.name': 'h' },
        ServiceName: 'pay',
        MetricName: 'syscall.duration',
        Attributes: { 'stallscope.syscall.name': 'fsync', 'stallscope.wait_class': 'disk' },
        TimeUnix: timeUnix,
        Count: '2',
        Sum: 5e6,
        Scale: 0,
        PositiveOffset: 21,
        PositiveBucketCounts: ['2'],
        Max: 3e6,
        AggregationTemporality: 1,
      },
    ],
    format: 'JSONEachRow',
  });
  app = Fastify();
  app.addHook('onRoute', (route) => {
    const methods = ([] as HTTPMethods[]).concat(route.method);
    const querystring = route.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
    for (const method of methods) routes.push({ method, url: route.url, parameters: Object.keys(querystring?.properties ?? {}) });
  });
  const keys = new Map([
    adminKey(ADMIN, 1_000_000),
    [sha256Hex(SCOPED), { keyId: 'scoped', scope: { servicePrefixes: ['pay'] }, rateLimitPerMinute: 1_000_000 }],
  ]);
  await app.register(apiKeyAuth, { keys, publicPaths: new Set<string>(), anyKeyPathPrefixes: ['/docs'] });
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** mulberry32: the same requests every run, so a failure can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAD_VALUES = [
  '', ' ', '0', '-1', '1.5', '1e309', '99999999999999999999', 'NaN', 'Infinity', 'null', 'true', '[]', '{}',
  '5m', '15m', '1h', '6h', '25h', '7d', '30d', '31d', '0m', '1m', '999999999d', '5M', '5 m', '5m;', 'm', '1s',
  "' OR '1'='1", "x'; DROP TABLE otel_traces; --", '{service:String}', '\\', '%00', '\u0000', '../../etc/passwd',
  '日本語', '🙂'.repeat(40), '\u202etxt', 'a'.repeat(300), 'b'.repeat(5_000), 'service', 'host', 'pay', 'payments', 'other',
  'idle', 'lock', 'disk', 'errno', 'errnoClass', 'container', 'waitClass', 'EAGAIN',
];
const PARAMETER_NAMES = ['window', 'step', 'by', 'service', 'host', 'limit', 'syscall', 'constructor', '__proto__', 'x'];
const AUTHORIZATIONS: (string | undefined)[] = [`Bearer ${ADMIN}`, `Bearer ${ADMIN}`, `Bearer ${SCOPED}`, `Bearer ${SCOPED}`, undefined, 'Bearer ', `Bearer ${ADMIN}x`, 'Basic YTpi', ADMIN];

function requestFor(route: RouteUnderTest, random: () => number) {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const query = new URLSearchParams();
  const names = [...route.parameters, ...PARAMETER_NAMES];
  const count = Math.floor(random() * 5);
  for (let i = 0; i < count; i++) query.append(pick(names), pick(BAD_VALUES));
  const path = route.url.replace('*', encodeURIComponent(pick(BAD_VALUES)));
  const search = query.toString();
  const authorization = pick(AUTHORIZATIONS);
  return {
    method: route.method as HTTPMethods,
    url: search === '' ? path : `${path}?${search}`,
    headers: authorization === undefined ? {} : { authorization },
  };
}

it(`${REQUESTS} generated bad requests to every route: no 5xx, every 4xx a JSON body naming the problem`, async () => {
  assert.ok(routes.some((route) => route.url === '/v1/syscalls/top'), 'routes enumerated');
  const random = randomSource(8);
  const statuses = new Map<number, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const request = requestFor(routes[i % routes.length] as RouteUnderTest, random);
    const response = await app.inject(request);
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const where = `${request.method} ${request.url} (${request.headers.authorization ?? 'no key'})`;
    assert.ok(response.statusCode < 500, `${response.statusCode} for ${where}: ${response.body.slice(0, 300)}`);
    if (response.statusCode >= 400 && request.method !== 'HEAD') {
      // Our routes answer { error: { code, message } }; the Jaeger-compatible ones in Jaeger's own shapes.
      const body = response.json<{ error?: { code?: string; message?: string }; message?: string; errors?: { msg?: string }[] }>();
      const message = body.error?.message ?? body.message ?? body.errors?.[0]?.msg;
      assert.ok(typeof message === 'string' && message.length > 0, `${response.statusCode} without a message for ${where}: ${response.body.slice(0, 300)}`);
    }
  }
  const served = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
  assert.ok(served > REQUESTS / 50, `some requests were valid enough to query: ${JSON.stringify([...statuses])}`);
});
