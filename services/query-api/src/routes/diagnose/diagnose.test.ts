// Real component: the chDB engine (embedded ClickHouse) through createStore.
// A constructed service's slow-syscall spans, histograms, off-CPU stacks and
// error counts go in through the ingest's row builders; the clock is pinned.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, SpanAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import type { Diagnosis } from '../../diagnose/diagnosis.js';
import { queryApiPlugin } from '../../plugin.js';
import {
  insertErrorCounts,
  insertGoParkStacks,
  insertHistograms,
  insertNumberPoints,
  insertOffCpuStacks,
  insertSpans,
  syscallPoint,
  type HistogramPoint,
} from '../../test-fixtures/telemetry.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-diagnose-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const NOW_SECONDS = Math.floor(Date.now() / 3_600_000) * 3_600;
let app: FastifyInstance;

function slowSyscall(durationMs: number, ageSeconds: number, syscall: string, attributes: Record<string, string | number>) {
  return {
    service: 'ledger',
    name: syscall,
    scope: AGENT_SCOPE_NAME,
    kind: 1,
    startSeconds: NOW_SECONDS - ageSeconds,
    durationMs,
    attributes: { [SpanAttr.syscallName]: syscall, [SpanAttr.threadId]: 4243, ...attributes },
    resource: { 'process.pid': 4242 },
  };
}

before(async () => {
  await store.start();
  await insertSpans(store, [
    ...Array.from({ length: 12 }, (_, index) =>
      slowSyscall(10 + index, 60 + index, 'read', { [SpanAttr.waitClass]: 'network', [SpanAttr.waitClassRule]: 'fd-socket', [SpanAttr.fdTarget]: 'socket', [SpanAttr.networkPeerAddress]: '10.0.0.7', [SpanAttr.networkPeerPort]: 5432 }),
    ),
    slowSyscall(850, 120, 'fsync', { [SpanAttr.waitClass]: 'disk', [SpanAttr.waitClassRule]: 'syscall', [SpanAttr.fdTarget]: 'file', [SpanAttr.filePath]: '/var/lib/ledger/wal' }),
    slowSyscall(400, 180, 'flock', { [SpanAttr.waitClass]: 'lock', [SpanAttr.waitClassRule]: 'syscall', [SpanAttr.errnoName]: 'EINTR' }),
    // Outside the 15-minute window, and another service's: neither shows.
    slowSyscall(9_000, 3_000, 'fsync', { [SpanAttr.waitClass]: 'disk' }),
    { ...slowSyscall(7_000, 60, 'fsync', { [SpanAttr.waitClass]: 'disk' }), service: 'other' },
    // An application span of the service is no syscall.
    { service: 'ledger', name: 'POST /entries', startSeconds: NOW_SECONDS - 60, durationMs: 5_000 },
  ]);
  await insertHistograms(store, [
    syscallPoint('ledger', NOW_SECONDS - 90, 'fsync', 'disk', { offset: 28, counts: [4], sumNs: 3e9, maxNs: 8.5e8 }),
    syscallPoint('ledger', NOW_SECONDS - 90, 'read', 'network', { offset: 23, counts: [40], sumNs: 5e8, maxNs: 2.1e7 }),
    syscallPoint('ledger', NOW_SECONDS - 90, 'flock', 'lock', { offset: 27, counts: [2], sumNs: 8e8, maxNs: 4e8 }),
    syscallPoint('ledger', NOW_SECONDS - 90, 'epoll_wait', 'idle', { offset: 30, counts: [10], sumNs: 6e10, maxNs: 2e9 }),
  ]);
  await insertOffCpuStacks(store, [
    { service: 'ledger', timeSeconds: NOW_SECONDS - 100, stack: 'main;commit;fsync;__schedule', threadState: 'uninterruptible', offCpuNs: 2.5e9 },
    { service: 'ledger', timeSeconds: NOW_SECONDS - 200, stack: 'main;commit;fsync;__schedule', threadState: 'uninterruptible', offCpuNs: 0.5e9 },
    { service: 'ledger', timeSeconds: NOW_SECONDS - 100, stack: 'main;lock;flock;__schedule', threadState: 'sleep', offCpuNs: 8e8 },
  ]);
  await insertErrorCounts(store, [
    { service: 'ledger', host: 'host-a', timeSeconds: NOW_SECONDS - 100, syscall: 'recvfrom', errno: 'EAGAIN', errorType: 'EAGAIN', count: 9_000 },
    { service: 'ledger', host: 'host-a', timeSeconds: NOW_SECONDS - 40, syscall: 'recvfrom', errno: 'EAGAIN', errorType: 'EAGAIN', count: 9_000 },
    { service: 'ledger', host: 'host-a', timeSeconds: NOW_SECONDS - 100, syscall: 'flock', errno: 'EINTR', errorType: 'EINTR', count: 3 },
  ]);
  // A Go service: GC pauses among other stop-the-world pauses, 600 goroutines
  // created a second over the 15 minutes, and waits of its own beside the
  // runtime's idle GC workers.
  const goPoint = (metric: HistogramPoint['metric'], attribute: string, reason: string, offset: number, count: number, sumNs: number): HistogramPoint => ({
    service: 'ledger',
    host: 'host-a',
    metric,
    attributes: { [attribute]: reason },
    timeSeconds: NOW_SECONDS - 90,
    offset,
    counts: [count],
    sumNs,
    maxNs: 2 ** (offset + 1),
  });
  await insertHistograms(store, [
    goPoint('go.stw.duration', MetricAttr.goStwReason, 'GC mark termination', 16, 10, 1e6),
    goPoint('go.stw.duration', MetricAttr.goStwReason, 'GC sweep termination', 17, 10, 2e6),
    goPoint('go.stw.duration', MetricAttr.goStwReason, 'read mem stats', 20, 5, 1e7),
    goPoint('go.goroutine.wait.duration', MetricAttr.goWaitReason, 'sync.Mutex.Lock', 25, 100, 4e9),
    goPoint('go.goroutine.wait.duration', MetricAttr.goWaitReason, 'chan receive', 24, 50, 1e9),
    goPoint('go.goroutine.wait.duration', MetricAttr.goWaitReason, 'GC worker (idle)', 26, 300, 9e9),
  ]);
  await insertNumberPoints(store, [
    { service: 'ledger', metric: Metrics.goGcCycles.name, kind: 'sum', timeSeconds: NOW_SECONDS - 200, value: 6 },
    { service: 'ledger', metric: Metrics.goGcCycles.name, kind: 'sum', timeSeconds: NOW_SECONDS - 90, value: 4 },
    { service: 'ledger', metric: Metrics.goGoroutinesCreated.name, kind: 'sum', timeSeconds: NOW_SECONDS - 200, value: 300_000 },
    { service: 'ledger', metric: Metrics.goGoroutinesCreated.name, kind: 'sum', timeSeconds: NOW_SECONDS - 90, value: 240_000 },
    { service: 'ledger', metric: Metrics.goGoroutineCount.name, kind: 'gauge', timeSeconds: NOW_SECONDS - 200, value: 100 },
    { service: 'ledger', metric: Metrics.goGoroutineCount.name, kind: 'gauge', timeSeconds: NOW_SECONDS - 90, value: 250 },
    { service: 'ledger', host: 'host-b', metric: Metrics.goGoroutineCount.name, kind: 'gauge', timeSeconds: NOW_SECONDS - 300, value: 50 },
    { service: 'calm', metric: Metrics.goGoroutinesCreated.name, kind: 'sum', timeSeconds: NOW_SECONDS - 90, value: 900 },
  ]);
  await insertGoParkStacks(store, [
    { service: 'ledger', timeSeconds: NOW_SECONDS - 100, stack: 'main.worker;sync.(*Mutex).lockSlow;runtime.gopark', waitReason: 'sync.Mutex.Lock', parkedNs: 3e9 },
    { service: 'ledger', timeSeconds: NOW_SECONDS - 50, stack: 'main.worker;sync.(*Mutex).lockSlow;runtime.gopark', waitReason: 'sync.Mutex.Lock', parkedNs: 1e9 },
    { service: 'ledger', timeSeconds: NOW_SECONDS - 50, stack: 'runtime.gcBgMarkWorker;runtime.gopark', waitReason: 'GC worker (idle)', parkedNs: 8e9 },
  ]);
  app = Fastify();
  await app.register(queryApiPlugin, { store, logger, now: () => NOW_SECONDS * 1000 });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /v1/diagnose/:service over chDB', () => {
  it('lists the ten slowest calls with their context, waits by class, off-CPU stacks and error storms', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/diagnose/ledger?window=15m' });
    assert.equal(response.statusCode, 200);
    const diagnosis = response.json<Diagnosis>();
    assert.equal(diagnosis.slowestCalls.length, 10);
    assert.deepEqual(diagnosis.slowestCalls.map((call) => [call.syscall, call.durationMs]).slice(0, 4), [
      ['fsync', 850],
      ['flock', 400],
      ['read', 21],
      ['read', 20],
    ]);
    const [fsync, flock, read] = diagnosis.slowestCalls;
    assert.deepEqual(
      [fsync?.waitClass, fsync?.waitClassRule, fsync?.fdTarget, fsync?.filePath, fsync?.host, fsync?.pid, fsync?.threadId],
      ['disk', 'syscall', 'file', '/var/lib/ledger/wal', 'host-a', '4242', '4243'],
    );
    assert.equal(flock?.errno, 'EINTR');
    assert.equal(read?.peer, '10.0.0.7:5432');
    assert.deepEqual(
      diagnosis.waitsByClass.map((total) => [total.waitClass, total.blockedSeconds, total.topSyscalls.map((top) => top.syscall)]),
      [
        ['disk', 3, ['fsync']],
        ['lock', 0.8, ['flock']],
        ['network', 0.5, ['read']],
      ],
    );
    assert.equal(diagnosis.idleBlockedSeconds, 60);
    assert.deepEqual(diagnosis.offCpuStacks, [
      { stack: 'main;commit;fsync;__schedule', threadState: 'uninterruptible', offCpuSeconds: 3 },
      { stack: 'main;lock;flock;__schedule', threadState: 'sleep', offCpuSeconds: 0.8 },
    ]);
    assert.deepEqual(diagnosis.errorStorms, [
      { syscall: 'recvfrom', errno: 'EAGAIN', errorType: 'EAGAIN', errors: 18_000, errorsPerSecond: 20 },
      { syscall: 'flock', errno: 'EINTR', errorType: 'EINTR', errors: 3, errorsPerSecond: 3 / 900 },
    ]);
  });

  it('adds the Go runtime: GC pauses and cycles, the goroutine creation rate with its alarm, live goroutines, and the service\'s own top wait reasons', async () => {
    const { goRuntime } = (await app.inject({ method: 'GET', url: '/v1/diagnose/ledger?window=15m' })).json<Diagnosis>();
    assert.deepEqual(
      [goRuntime.gcPauses, goRuntime.gcPauseSeconds, goRuntime.gcPauseMaxMs, goRuntime.gcCycles],
      [20, 0.003, 2 ** 18 / 1e6, 10],
      'only the GC reasons count as GC pauses',
    );
    assert.deepEqual([goRuntime.goroutinesCreated, goRuntime.goroutinesCreatedPerSecond, goRuntime.goroutineCreationAlarm], [540_000, 600, true]);
    assert.equal(goRuntime.liveGoroutines, 300, 'the latest report of each host, summed');
    assert.deepEqual(goRuntime.topWaitReasons, [
      { waitReason: 'sync.Mutex.Lock', blockedSeconds: 4, parks: 100 },
      { waitReason: 'chan receive', blockedSeconds: 1, parks: 50 },
    ]);
    assert.deepEqual(goRuntime.parkStacks, [{ stack: 'main.worker;sync.(*Mutex).lockSlow;runtime.gopark', waitReason: 'sync.Mutex.Lock', parkedSeconds: 4 }]);
    const calm = (await app.inject({ method: 'GET', url: '/v1/diagnose/calm?window=15m' })).json<Diagnosis>().goRuntime;
    assert.deepEqual([calm.goroutinesCreatedPerSecond, calm.goroutineCreationAlarm], [1, false]);
  });

  it('renders Markdown to paste into an incident', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/diagnose/ledger?window=15m&format=markdown' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] ?? '', /^text\/markdown/);
    assert.match(response.body, /^# Diagnosis of ledger, last 15m$/m);
    assert.match(response.body, /^\| 850\.00 ms \| fsync \| disk \| syscall \| file \/var\/lib\/ledger\/wal \|  \| host-a \| 4242 \| 4243 \|/m);
    assert.match(response.body, /^\| disk \| 3\.00 s \| fsync 3\.00 s \|$/m);
    assert.match(response.body, /^\| 3\.00 s \| uninterruptible \| main;commit;fsync;__schedule \|$/m);
    assert.match(response.body, /^\| recvfrom \| EAGAIN \| EAGAIN \| 18000 \| 20\.00 \|$/m);
    assert.match(response.body, /^Goroutines: 540000 created \(600\.0\/s\) \*\*ALARM: over 500\/s\*\*, 300 live\.$/m);
    assert.match(response.body, /^\| sync\.Mutex\.Lock \| 4\.00 s \| 100 \|$/m);
  });

  it('answers an unknown service with empty sections, and a bad window with 400', async () => {
    const empty = (await app.inject({ method: 'GET', url: '/v1/diagnose/nobody' })).json<Diagnosis>();
    assert.deepEqual([empty.slowestCalls, empty.waitsByClass, empty.offCpuStacks, empty.errorStorms], [[], [], [], []]);
    assert.deepEqual(
      [empty.goRuntime.gcPauses, empty.goRuntime.goroutinesCreated, empty.goRuntime.liveGoroutines, empty.goRuntime.topWaitReasons, empty.goRuntime.goroutineCreationAlarm],
      [0, 0, 0, [], false],
    );
    const response = await app.inject({ method: 'GET', url: '/v1/diagnose/ledger?window=31d' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<{ error: { code: string } }>().error.code, 'WINDOW_OUT_OF_RANGE');
  });
});
