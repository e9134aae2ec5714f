// Real components: the chDB engine (embedded ClickHouse) through createStore,
// and the Go toolchain's pprof, which must open the pprof downloads. CPU and
// off-CPU stack records go in through the ingest's row builders; the clock is pinned.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { adminKey, sha256Hex } from '../../access/api-keys.js';
import { apiKeyAuth } from '../../access/auth-plugin.js';
import { queryApiPlugin } from '../../plugin.js';
import { SPEEDSCOPE_SCHEMA, type SpeedscopeFile } from '../../profiles/speedscope.js';
import { insertCpuStacks, insertGoParkStacks, insertOffCpuStacks } from '../../test-fixtures/telemetry.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-profiles-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const NOW_SECONDS = Math.floor(Date.now() / 3_600_000) * 3_600;
const NS_PER_SAMPLE = Math.round(1e9 / 19);
const ADMIN = 'admin-secret-0123456789';
const SCOPED = 'checkout-secret-0123456789';
let app: FastifyInstance;

const goMissing = spawnSync('go', ['version'], { stdio: 'ignore' }).error ? 'the Go toolchain (go tool pprof) is not installed' : undefined;
if (goMissing) console.log(`skipping the go tool pprof check: ${goMissing}`);

function cpu(stack: string, samples: number, ageSeconds: number, host = 'host-a', service = 'checkout') {
  return { service, host, timeSeconds: NOW_SECONDS - ageSeconds, stack, samples, cpuNs: samples * NS_PER_SAMPLE };
}

before(async () => {
  await store.start();
  await insertCpuStacks(store, [
    cpu('main.main;main.handle;main.burnA', 30, 100),
    cpu('main.main;main.handle;main.burnA', 15, 200, 'host-b'),
    cpu('main.main;main.handle;main.burnB', 10, 100),
    cpu('main.main;syscall.read;[k] ksys_read', 2, 300),
    // Outside the 15-minute window, and another service's: neither shows by default.
    cpu('main.main;main.old', 99, 3_000),
    cpu('main.main;main.burnA', 500, 100, 'host-a', 'search'),
  ]);
  await insertOffCpuStacks(store, [
    { service: 'checkout', timeSeconds: NOW_SECONDS - 100, stack: 'main.main;syscall.read;[k] pipe_read;[k] __schedule', threadState: 'sleep', offCpuNs: 2e9 },
    { service: 'checkout', timeSeconds: NOW_SECONDS - 160, stack: 'main.main;syscall.read;[k] pipe_read;[k] __schedule', threadState: 'uninterruptible', offCpuNs: 1e9 },
    { service: 'checkout', timeSeconds: NOW_SECONDS - 100, stack: 'main.main;syscall.fsync;[k] __schedule', threadState: 'uninterruptible', offCpuNs: 5e8 },
  ]);
  await insertGoParkStacks(store, [
    { service: 'checkout', timeSeconds: NOW_SECONDS - 100, stack: 'main.main;main.handle;sync.(*Mutex).Lock', waitReason: 'sync.Mutex.Lock', parkedNs: 4e9 },
    { service: 'checkout', timeSeconds: NOW_SECONDS - 40, stack: 'main.main;main.handle;sync.(*Mutex).Lock', waitReason: 'sync.Mutex.Lock', parkedNs: 1e9 },
    { service: 'checkout', timeSeconds: NOW_SECONDS - 100, stack: 'main.main;main.consume', waitReason: 'chan receive', parkedNs: 2e9 },
  ]);
  const keys = new Map([
    adminKey(ADMIN, 1_000_000),
    [sha256Hex(SCOPED), { keyId: 'checkout', scope: { servicePrefixes: ['check'] }, rateLimitPerMinute: 1_000_000 }],
  ]);
  app = Fastify();
  await app.register(apiKeyAuth, { keys, publicPaths: new Set<string>(), anyKeyPathPrefixes: [] });
  await app.register(queryApiPlugin, { store, logger, now: () => NOW_SECONDS * 1000 });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function get(url: string, secret = ADMIN) {
  return app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });
}

describe('GET /v1/profiles/{type} over chDB', () => {
  it('cpu, folded (the default): one line per stack, root first, samples summed over hosts and intervals, heaviest first', async () => {
    const response = await get('/v1/profiles/cpu?service=checkout');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.equal(
      response.body,
      'main.main;main.handle;main.burnA 45\nmain.main;main.handle;main.burnB 10\nmain.main;syscall.read;[k] ksys_read 2\n',
    );
  });

  it('host narrows to one host; from/to (ISO or unix ms) pick a stretch instead of a window', async () => {
    const hostA = await get('/v1/profiles/cpu?service=checkout&host=host-a&window=30m');
    assert.equal(hostA.body, 'main.main;main.handle;main.burnA 30\nmain.main;main.handle;main.burnB 10\nmain.main;syscall.read;[k] ksys_read 2\n');
    const fromIso = new Date((NOW_SECONDS - 4_000) * 1000).toISOString();
    const toMs = (NOW_SECONDS - 2_000) * 1000;
    const old = await get(`/v1/profiles/cpu?service=checkout&from=${encodeURIComponent(fromIso)}&to=${toMs}`);
    assert.equal(old.statusCode, 200);
    assert.equal(old.body, 'main.main;main.old 99\n');
  });

  it('offcpu, folded: off-CPU nanoseconds per stack, thread states summed', async () => {
    const response = await get('/v1/profiles/offcpu?service=checkout&format=folded');
    assert.equal(response.statusCode, 200);
    assert.equal(
      response.body,
      'main.main;syscall.read;[k] pipe_read;[k] __schedule 3000000000\nmain.main;syscall.fsync;[k] __schedule 500000000\n',
    );
  });

  it('goroutine-wait, folded and speedscope: time parked per stack, under a root frame naming the wait reason', async () => {
    const folded = await get('/v1/profiles/goroutine-wait?service=checkout');
    assert.equal(folded.statusCode, 200);
    assert.equal(
      folded.body,
      '[sync.Mutex.Lock];main.main;main.handle;sync.(*Mutex).Lock 5000000000\n[chan receive];main.main;main.consume 2000000000\n',
    );
    const speedscope = await get('/v1/profiles/goroutine-wait?service=checkout&format=speedscope');
    assert.equal(speedscope.json().name, 'checkout goroutine wait time');
  });

  it('speedscope: a sampled profile whose frames, samples and weights agree', async () => {
    const response = await get('/v1/profiles/cpu?service=checkout&format=speedscope');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const file = response.json<SpeedscopeFile>();
    assert.equal(file.$schema, SPEEDSCOPE_SCHEMA);
    assert.equal(file.profiles.length, 1);
    const [profile] = file.profiles;
    assert.equal(profile!.type, 'sampled');
    assert.equal(profile!.unit, 'nanoseconds');
    assert.equal(profile!.samples.length, profile!.weights.length);
    assert.equal(profile!.endValue - profile!.startValue, profile!.weights.reduce((sum, weight) => sum + weight, 0));
    const names = profile!.samples.map((sample) => sample.map((index) => file.shared.frames[index]!.name).join(';'));
    assert.deepEqual(names, ['main.main;main.handle;main.burnA', 'main.main;main.handle;main.burnB', 'main.main;syscall.read;[k] ksys_read']);
    assert.deepEqual(profile!.weights, [45 * NS_PER_SAMPLE, 10 * NS_PER_SAMPLE, 2 * NS_PER_SAMPLE]);
    assert.equal(new Set(file.shared.frames.map((frame) => frame.name)).size, file.shared.frames.length, 'each frame once');
  });

  for (const type of ['cpu', 'offcpu'] as const) {
    it(`${type}, pprof: a gzipped profile that go tool pprof opens and ranks`, { skip: goMissing, timeout: 60_000 }, async () => {
      const response = await get(`/v1/profiles/${type}?service=checkout&format=pprof`);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/octet-stream');
      assert.doesNotThrow(() => gunzipSync(response.rawPayload), 'gzip');
      const file = join(dataDir, `${type}.pb.gz`);
      writeFileSync(file, response.rawPayload);
      const sampleIndex = type === 'cpu' ? 'samples' : 'offcpu';
      const top = spawnSync('go', ['tool', 'pprof', '-top', `-sample_index=${sampleIndex}`, file], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
      assert.equal(top.status, 0, top.stderr);
      const flat = (name: string) => {
        const line = top.stdout.split('\n').find((text) => text.trim().endsWith(` ${name}`));
        return line === undefined ? undefined : line.trim().split(/\s+/)[0];
      };
      if (type === 'cpu') {
        assert.equal(flat('main.burnA'), '45', top.stdout);
        assert.equal(flat('main.burnB'), '10', top.stdout);
        assert.equal(flat('[k] ksys_read'), '2', top.stdout);
        assert.match(top.stdout, /^Type: samples$/m);
      } else {
        assert.equal(flat('[k] __schedule'), '3500ms', top.stdout);
        assert.match(top.stdout, /^Type: offcpu$/m);
      }
    });
  }

  it('400 for a bad type, format, time or missing service; 403 for a service outside the key; scoped keys reach their own', async () => {
    const bad = [
      '/v1/profiles/memory?service=checkout',
      '/v1/profiles/cpu',
      '/v1/profiles/cpu?service=checkout&format=svg',
      '/v1/profiles/cpu?service=checkout&window=15m&from=0',
      '/v1/profiles/cpu?service=checkout&from=yesterday',
      `/v1/profiles/cpu?service=checkout&from=${NOW_SECONDS * 1000}&to=${NOW_SECONDS * 1000 - 1}`,
      '/v1/profiles/cpu?service=checkout&to=5',
      '/v1/profiles/cpu?service=checkout&window=31d',
      '/v1/profiles/cpu?service=checkout&window=0m',
    ];
    for (const url of bad) {
      const response = await get(url);
      assert.equal(response.statusCode, 400, url);
      assert.equal(typeof response.json<{ error: { message: string } }>().error.message, 'string', url);
    }
    assert.equal((await get('/v1/profiles/cpu?service=search', SCOPED)).statusCode, 403);
    const own = await get('/v1/profiles/cpu?service=checkout', SCOPED);
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /main\.burnA 45/);
  });
});
