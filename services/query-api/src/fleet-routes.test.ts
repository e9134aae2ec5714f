// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the whole file (chDB allows one data path per process). Raw
// points go into otel_metrics_exponential_histogram and otel_metrics_sum; the
// rollup views fill kernel_syscall_rollup_1m/1h. The app is mounted behind
// apiKeyAuth as the server mounts it, with an admin and a scoped key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { adminKey, sha256Hex } from './access/api-keys.js';
import { apiKeyAuth } from './access/auth-plugin.js';
import { queryApiPlugin } from './plugin.js';
import type { TopErrorsResponse } from './routes/errors/top.js';
import type { HeatmapResponse } from './routes/syscalls/heatmap.js';
import type { SeriesResponse } from './routes/syscalls/series.js';
import type { TopSyscallsResponse } from './routes/syscalls/top.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-fleet-routes-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const ADMIN = 'admin-secret-0123456789';
const PAYMENTS = 'payments-secret-0123456789';
let app: FastifyInstance;

const nowSeconds = Math.floor(Date.now() / 1000);
const minuteAgo = (minutes: number) => `${Math.floor(nowSeconds / 60) * 60 - minutes * 60 + 5}.000000000`;

function histogram(service: string, syscall: string, minutesAgo: number, offset: number, counts: number[]) {
  return {
    ResourceAttributes: { 'host.name': 'host-a' },
    ServiceName: service,
    MetricName: 'syscall.duration',
    Attributes: { 'stallscope.syscall.name': syscall, 'stallscope.wait_class': 'disk', 'stallscope.wait_class.rule': 'syscall:fsync' },
    TimeUnix: minuteAgo(minutesAgo),
    Count: String(counts.reduce((a, b) => a + b, 0)),
    Sum: 1e6 * counts.length,
    Scale: 0,
    PositiveOffset: offset,
    PositiveBucketCounts: counts.map(String),
    Max: 2 ** (offset + counts.length),
    AggregationTemporality: 1,
  };
}

function errors(service: string, syscall: string, errno: string, errorType: string, value: number) {
  return {
    ResourceAttributes: { 'host.name': 'host-a' },
    ServiceName: service,
    MetricName: 'syscall.errors',
    Attributes: { 'stallscope.syscall.name': syscall, 'stallscope.syscall.errno': errno, 'error.type': errorType },
    TimeUnix: minuteAgo(1),
    Value: value,
    AggregationTemporality: 1,
    IsMonotonic: true,
  };
}

before(async () => {
  await store.start();
  await store.client.insert({
    table: 'otel_metrics_exponential_histogram',
    values: [
      histogram('payments', 'fsync', 2, 20, [3, 1]),
      histogram('payments', 'fsync', 12, 22, [5]),
      histogram('search', 'fsync', 2, 18, [100]),
    ],
    format: 'JSONEachRow',
  });
  await store.client.insert({
    table: 'otel_metrics_sum',
    values: [
      errors('payments', 'read', 'EAGAIN', 'EAGAIN', 40),
      errors('payments', 'connect', 'ECONNREFUSED', 'other', 7),
      errors('payments', 'connect', 'ENETUNREACH', 'other', 3),
      errors('search', 'futex', 'EINTR', 'EINTR', 90),
    ],
    format: 'JSONEachRow',
  });
  const keys = new Map([
    adminKey(ADMIN, 10_000),
    [sha256Hex(PAYMENTS), { keyId: 'payments', scope: { servicePrefixes: ['pay'] }, rateLimitPerMinute: 10_000 }],
  ]);
  app = Fastify();
  await app.register(apiKeyAuth, { keys, publicPaths: new Set<string>(), anyKeyPathPrefixes: ['/docs'] });
  await app.register(queryApiPlugin, { store, logger, limits: { maxSteps: 100 } });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get<Body>(url: string, secret = ADMIN): Promise<{ status: number; body: Body }> {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });
  return { status: response.statusCode, body: response.json<Body>() };
}

type ErrorBody = { error: { code: string; message: string } };

describe('fleet routes over chDB', () => {
  it('series: calls and blocked seconds per step, a point for every step', async () => {
    const { status, body } = await get<SeriesResponse>('/v1/syscalls/series?window=30m&step=5m&service=payments&syscall=fsync');
    assert.equal(status, 200);
    assert.equal(body.rollup, '1m');
    assert.ok(body.points.length >= 6 && body.points.length <= 8, `${body.points.length} points`);
    assert.equal(body.points.reduce((sum, point) => sum + point.calls, 0), 9);
    assert.ok(body.points.every((point, index) => index === 0 || Date.parse(point.time) - Date.parse(body.points[index - 1]?.time ?? '') === 300_000));
  });

  it('heatmap: calls per step and log2 bucket, summed across rows', async () => {
    const { body } = await get<HeatmapResponse>('/v1/syscalls/heatmap?window=30m&step=10m&service=payments');
    assert.deepEqual(body.buckets, [20, 21, 22]);
    const totals = body.buckets.map((_, b) => body.counts.reduce((sum, line) => sum + (line[b] ?? 0), 0));
    assert.deepEqual(totals, [3, 1, 5]);
    assert.equal(body.counts.length, body.times.length);
  });

  it('errors: per (service, syscall, errno), or per errno class', async () => {
    const { body } = await get<TopErrorsResponse>('/v1/errors/top?window=1h');
    assert.deepEqual(body.rows.map((row) => [row.service, row.syscall, row.errno, row.errors]), [
      ['search', 'futex', 'EINTR', 90],
      ['payments', 'read', 'EAGAIN', 40],
      ['payments', 'connect', 'ECONNREFUSED', 7],
      ['payments', 'connect', 'ENETUNREACH', 3],
    ]);
    const byClass = await get<TopErrorsResponse>('/v1/errors/top?window=1h&by=errnoClass&service=payments&syscall=connect');
    assert.deepEqual(byClass.body.rows.map((row) => [row.errno, row.errors, row.hosts]), [['other', 10, 1]]);
  });

  it("a scoped key sees only its services' rows, and 403 for another service or a route without scopes", async () => {
    const top = await get<TopSyscallsResponse>('/v1/syscalls/top?window=1h', PAYMENTS);
    assert.deepEqual(top.body.rows.map((row) => row.service), ['payments']);
    const errorRows = await get<TopErrorsResponse>('/v1/errors/top?window=1h', PAYMENTS);
    assert.ok(errorRows.body.rows.every((row) => row.service === 'payments'));
    const foreign = await get<ErrorBody>('/v1/syscalls/series?window=1h&step=5m&service=search', PAYMENTS);
    assert.equal(foreign.status, 403);
    assert.match(foreign.body.error.message, /service "search" is outside this key's scope/);
    const deadLetters = await get<ErrorBody>('/v1/dead-letters', PAYMENTS);
    assert.equal(deadLetters.status, 403);
    assert.equal((await get<ErrorBody>('/v1/syscalls/top', 'nobody-0123456789')).status, 401);
  });

  it('400 when a request asks for too many steps or a step off the rollup', async () => {
    const tooMany = await get<ErrorBody>('/v1/syscalls/series?window=6h&step=1m');
    assert.equal(tooMany.status, 400);
    assert.deepEqual(tooMany.body.error, { code: 'QUERY_TOO_LARGE', message: 'window / step is 360 steps, more than 100: widen the step or shorten the window' });
    const offRollup = await get<ErrorBody>('/v1/syscalls/heatmap?window=7d&step=30m');
    assert.equal(offRollup.status, 400);
    assert.match(offRollup.body.error.message, /^step must be a whole number of 60 minute\(s\) for this window \(it reads the 1h rollup\), got 30m$/);
  });

  it('serves the OpenAPI document of every route', async () => {
    const { body } = await get<{ paths: Record<string, unknown> }>('/docs/json', PAYMENTS);
    for (const path of ['/v1/syscalls/top', '/v1/syscalls/series', '/v1/syscalls/heatmap', '/v1/errors/top', '/v1/dead-letters/']) {
      assert.ok(path in body.paths, `${path} in ${Object.keys(body.paths).join(', ')}`);
    }
  });

  it('504 QUERY_TIMEOUT when ClickHouse runs out of time, 503 when the store is overloaded, 507 when it is out of disk', async () => {
    const failing = (code: string, type: string) => ({
      ...store,
      get client(): Store['client'] {
        return { query: () => Promise.reject(Object.assign(new Error(`${type} secret detail`), { code, type })) } as unknown as Store['client'];
      },
    });
    for (const [code, type, status, apiCode] of [
      ['159', 'TIMEOUT_EXCEEDED', 504, 'QUERY_TIMEOUT'],
      ['202', 'TOO_MANY_SIMULTANEOUS_QUERIES', 503, 'STORE_UNAVAILABLE'],
      ['243', 'NOT_ENOUGH_SPACE', 507, 'STORE_DISK_FULL'],
    ] as const) {
      const broken = Fastify();
      await broken.register(queryApiPlugin, { store: failing(code, type), logger });
      const response = await broken.inject({ method: 'GET', url: '/v1/syscalls/top' });
      await broken.close();
      assert.equal(response.statusCode, status);
      assert.equal(response.json<ErrorBody>().error.code, apiCode);
      assert.doesNotMatch(response.body, /secret detail/);
    }
  });
});
