// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the whole file (chDB allows one data path per process). Points
// go into otel_metrics_exponential_histogram; its materialized views fill the
// per-host and fleet-level rollups the route reads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { queryApiConfigDefaults } from '../../config.js';
import { queryApiPlugin } from '../../plugin.js';
import { HOUR_ROLLUP, MINUTE_ROLLUP } from '../../store/rollup.js';
import { queryTopSyscalls, rollupForTop, type TopSyscallsFilter } from './top-query.js';
import type { TopSyscallsResponse } from './top.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-query-api-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
let app: FastifyInstance;

interface Point {
  service: string;
  host: string;
  container?: string;
  syscall: string;
  waitClass: string;
  ageSeconds: number;
  offset: number;
  counts: number[];
  sumNs: number;
  maxNs: number;
}

function histogramRow(point: Point) {
  const timeUnix = Math.floor(Date.now() / 1000) - point.ageSeconds;
  return {
    ResourceAttributes: {
      'service.name': point.service,
      'host.name': point.host,
      ...(point.container === undefined ? {} : { 'container.id': point.container }),
    },
    ServiceName: point.service,
    MetricName: 'syscall.duration',
    MetricUnit: 'ns',
    Attributes: { 'stallscope.syscall.name': point.syscall, 'stallscope.wait_class': point.waitClass },
    StartTimeUnix: `${timeUnix - 10}.000000000`,
    TimeUnix: `${timeUnix}.000000000`,
    Count: String(point.counts.reduce((total, count) => total + count, 0)),
    Sum: point.sumNs,
    Scale: 0,
    ZeroCount: '0',
    PositiveOffset: point.offset,
    PositiveBucketCounts: point.counts.map(String),
    Min: 0,
    Max: point.maxNs,
    AggregationTemporality: 1,
  };
}

const recent = 120;
const points: Point[] = [
  { service: 'api', host: 'host-a', container: 'c-1', syscall: 'fsync', waitClass: 'disk', ageSeconds: recent, offset: 20, counts: [10], sumNs: 1.5e7, maxNs: 2e6 },
  { service: 'api', host: 'host-b', syscall: 'fsync', waitClass: 'disk', ageSeconds: recent, offset: 20, counts: [10], sumNs: 1.5e7, maxNs: 2.05e6 },
  { service: 'api', host: 'host-a', syscall: 'futex', waitClass: 'idle', ageSeconds: recent, offset: 26, counts: [100], sumNs: 5e9, maxNs: 1e8 },
  { service: 'billing', host: 'host-a', syscall: 'flock', waitClass: 'lock', ageSeconds: recent, offset: 24, counts: [4], sumNs: 8e7, maxNs: 3e7 },
  { service: 'billing', host: 'host-b', syscall: 'connect', waitClass: 'network', ageSeconds: recent, offset: 18, counts: [2], sumNs: 1e6, maxNs: 6e5 },
  // Two hours old: outside a 15m window, inside a 3h one.
  { service: 'api', host: 'host-a', syscall: 'fsync', waitClass: 'disk', ageSeconds: 7_200, offset: 30, counts: [50], sumNs: 9e10, maxNs: 2e9 },
];

before(async () => {
  await store.start();
  await store.client.insert({ table: 'otel_metrics_exponential_histogram', values: points.map(histogramRow), format: 'JSONEachRow' });
  app = Fastify();
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function top(query: string): Promise<{ status: number; body: TopSyscallsResponse }> {
  const response = await app.inject({ method: 'GET', url: `/v1/syscalls/top${query}` });
  return { status: response.statusCode, body: response.json<TopSyscallsResponse>() };
}

async function topError(query: string): Promise<{ status: number; code: string; message: string }> {
  const response = await app.inject({ method: 'GET', url: `/v1/syscalls/top${query}` });
  const body = response.json<{ error: { code: string; message: string } }>();
  return { status: response.statusCode, ...body.error };
}

const keysOf = (body: TopSyscallsResponse) => body.rows.map((row) => [row.service ?? row.host ?? '', row.syscall, row.waitClass]);

describe('GET /v1/syscalls/top over chDB', () => {
  it('ranks non-idle waits per service by blocked time, with quantiles from the merged buckets', async () => {
    const { status, body } = await top('');
    assert.equal(status, 200);
    assert.equal(body.window, '15m');
    assert.equal(body.by, 'service');
    assert.equal(body.rollup, '1m');
    assert.deepEqual(keysOf(body), [
      ['billing', 'flock', 'lock'],
      ['api', 'fsync', 'disk'],
      ['billing', 'connect', 'network'],
    ]);
    const fsync = body.rows[1];
    assert.ok(fsync);
    assert.equal(fsync.calls, 20);
    assert.equal(fsync.hosts, 2);
    assert.equal(fsync.host, undefined);
    assert.ok(Math.abs(fsync.blockedSeconds - 0.03) < 1e-12);
    // 20 values in (2^20, 2^21] ns, merged across both hosts: the median halfway
    // through the bucket in log space; p99 (2^20.99 ns) capped by the max.
    assert.equal(fsync.p50Ms, 2 ** 20.5 / 1e6);
    assert.equal(fsync.p90Ms, 2 ** 20.9 / 1e6);
    assert.equal(fsync.p99Ms, 2.05);
    assert.equal(fsync.maxMs, 2.05);
    const flock = body.rows[0];
    assert.ok(flock && flock.p50Ms > 2 ** 24 / 1e6 && flock.p99Ms <= flock.maxMs && flock.maxMs === 30);
  });

  it('groups by host or by syscall alone', async () => {
    const byHost = await top('?by=host');
    assert.deepEqual(keysOf(byHost.body), [
      ['host-a', 'flock', 'lock'],
      ['host-a', 'fsync', 'disk'],
      ['host-b', 'fsync', 'disk'],
      ['host-b', 'connect', 'network'],
    ]);
    assert.equal(byHost.body.rows[0]?.service, undefined);
    const bySyscall = await top('?by=syscall');
    assert.deepEqual(
      bySyscall.body.rows.map((row) => [row.syscall, row.calls, row.hosts, 'service' in row || 'host' in row]),
      [
        ['flock', 4, 1, false],
        ['fsync', 20, 2, false],
        ['connect', 2, 1, false],
      ],
    );
  });

  it('filters by service, host, wait class and limit', async () => {
    assert.deepEqual(keysOf((await top('?service=api')).body), [['api', 'fsync', 'disk']]);
    const hostB = await top('?host=host-b');
    assert.deepEqual(keysOf(hostB.body), [
      ['api', 'fsync', 'disk'],
      ['billing', 'connect', 'network'],
    ]);
    assert.equal(hostB.body.rows[0]?.calls, 10);
    assert.deepEqual(keysOf((await top('?waitClass=network')).body), [['billing', 'connect', 'network']]);
    assert.deepEqual(keysOf((await top('?limit=1')).body), [['billing', 'flock', 'lock']]);
  });

  it('includes idle waits only when asked to', async () => {
    assert.deepEqual(keysOf((await top('?includeIdle=true&limit=1')).body), [['api', 'futex', 'idle']]);
    assert.deepEqual(keysOf((await top('?waitClass=idle')).body), [['api', 'futex', 'idle']]);
    assert.ok(!keysOf((await top('?includeIdle=false&limit=1000')).body).some(([, , waitClass]) => waitClass === 'idle'));
  });

  it('reads as far back as the window', async () => {
    const { body } = await top('?window=3h&service=api');
    assert.equal(body.rollup, '1m');
    assert.deepEqual(keysOf(body), [['api', 'fsync', 'disk']]);
    assert.equal(body.rows[0]?.calls, 70);
    assert.equal(body.rows[0]?.maxMs, 2000);
  });

  it('groups by container or wait class, and reads the hourly rollup for long windows', async () => {
    const byContainer = await top('?by=container&service=api');
    assert.deepEqual(
      byContainer.body.rows.map((row) => [row.container, row.calls]),
      [
        ['', 10],
        ['c-1', 10],
      ],
    );
    const byWaitClass = await top('?by=waitClass');
    assert.deepEqual(
      byWaitClass.body.rows.map((row) => [row.waitClass, row.syscall, row.calls]),
      [
        ['lock', undefined, 4],
        ['disk', undefined, 20],
        ['network', undefined, 2],
      ],
    );
    const twoDays = await top('?window=2d&service=api');
    assert.equal(twoDays.body.rollup, '1h');
    assert.deepEqual(keysOf(twoDays.body), [['api', 'fsync', 'disk']]);
    assert.equal(twoDays.body.rows[0]?.calls, 70);
  });

  it('answers fleet questions from the fleet rollups exactly as the per-host rollups would', async () => {
    const cases: TopSyscallsFilter[] = [];
    for (const windowSeconds of [900, 3 * 3_600, 2 * 86_400]) {
      for (const by of ['service', 'syscall', 'waitClass'] as const) {
        cases.push({ windowSeconds, by, includeIdle: true, limit: 100 }, { windowSeconds, by, includeIdle: false, limit: 100, service: 'api' });
      }
    }
    for (const filter of cases) {
      const fleet = await queryTopSyscalls(store.client, filter, 'all', queryApiConfigDefaults);
      assert.equal(fleet.rollup.perHost, false, JSON.stringify(filter));
      const perHost = await queryTopSyscalls(store.client, filter, 'all', queryApiConfigDefaults, fleet.rollup.name === '1m' ? MINUTE_ROLLUP : HOUR_ROLLUP);
      assert.ok(fleet.rows.length > 0);
      assert.deepEqual(fleet.rows, perHost.rows, JSON.stringify(filter));
    }
    assert.equal(rollupForTop({ windowSeconds: 900, by: 'host', includeIdle: false, limit: 1 }).perHost, true);
    assert.equal(rollupForTop({ windowSeconds: 2 * 86_400, by: 'service', includeIdle: false, limit: 1, container: 'c-1' }).perHost, true);
  });

  it('treats an SQL injection attempt as a plain value', async () => {
    const { status, body } = await top(`?service=${encodeURIComponent("api' OR '1'='1")}`);
    assert.equal(status, 200);
    assert.deepEqual(body.rows, []);
  });

  it('answers 400 naming the offending parameter', async () => {
    const cases: [string, string, RegExp][] = [
      ['?window=5x', 'INVALID_PARAMETER', /^querystring\/window must match pattern/],
      ['?window=1m', 'WINDOW_OUT_OF_RANGE', /^window must be between 5m and 30d, got 1m$/],
      ['?window=31d', 'WINDOW_OUT_OF_RANGE', /^window must be between 5m and 30d, got 31d$/],
      ['?limit=0', 'INVALID_PARAMETER', /^querystring\/limit must be >= 1$/],
      ['?limit=1001', 'INVALID_PARAMETER', /^querystring\/limit must be <= 1000$/],
      ['?limit=2.5', 'INVALID_PARAMETER', /^querystring\/limit must be integer$/],
      ['?limit=1e309', 'INVALID_PARAMETER', /^querystring\/limit must be a finite number$/],
      ['?by=bogus', 'INVALID_PARAMETER', /^querystring\/by must be equal to one of the allowed values$/],
      ['?waitClass=sleepy', 'INVALID_PARAMETER', /^querystring\/waitClass must be equal to one of the allowed values$/],
      ['?includeIdle=maybe', 'INVALID_PARAMETER', /^querystring\/includeIdle must be boolean$/],
      [`?service=${'s'.repeat(257)}`, 'INVALID_PARAMETER', /^querystring\/service must NOT have more than 256 characters$/],
    ];
    for (const [query, code, message] of cases) {
      const error = await topError(query);
      assert.equal(error.status, 400, query);
      assert.equal(error.code, code, query);
      assert.match(error.message, message, query);
    }
  });

  it('answers 500 without the failure detail', async () => {
    const failing = Fastify();
    const brokenStore = {
      ...store,
      get client(): Store['client'] {
        throw new Error('connection refused to secret-host:9000');
      },
    };
    await failing.register(queryApiPlugin, { store: brokenStore, logger });
    const response = await failing.inject({ method: 'GET', url: '/v1/syscalls/top' });
    await failing.close();
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } });
  });
});
