// Real component: the chDB engine (embedded ClickHouse) through createStore.
// OOM kills and flight records as the agent's memory signal sends them (log
// records tied by a dump id) go in through the ingest's row builders; the API
// runs behind apiKeyAuth with an admin key and one scoped to "check*".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { MEMORY_FLIGHT_RECORD_EVENT, MemoryLogAttr, OOM_KILL_EVENT } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { adminKey, sha256Hex } from '../../access/api-keys.js';
import { apiKeyAuth } from '../../access/auth-plugin.js';
import { queryApiPlugin } from '../../plugin.js';
import { insertAgentLogRecords, type AgentLogRecord } from '../../test-fixtures/telemetry.js';
import type { OomResponse } from './oom.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-oom-route-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const ADMIN = 'admin-secret-0123456789abcdef';
const CHECKOUT = 'checkout-secret-0123456789abcdef';
const MIB = 1024 * 1024;
const NOW_MS = Math.floor(Date.now() / 1000) * 1000;
let app: FastifyInstance;

/** A kill `ageSeconds` ago and its flight recorder: `slots` slots of 250 ms before it, growing 4 MiB each. */
function killWithRecorder(service: string, host: string, pid: number, ageSeconds: number, slots: number): AgentLogRecord[] {
  const killNs = BigInt(NOW_MS - ageSeconds * 1000) * 1_000_000n;
  const dumpId = `${pid}-${killNs}`;
  const records: AgentLogRecord[] = [
    {
      service,
      host,
      timeUnixNs: killNs,
      eventName: OOM_KILL_EVENT,
      body: `OOM kill of ${service} (pid ${pid})`,
      attributes: {
        [MemoryLogAttr.processPid]: pid,
        [MemoryLogAttr.processCommand]: service,
        [MemoryLogAttr.cgroup]: `/${service}`,
        [MemoryLogAttr.anonRssBytes]: 63 * MIB,
        [MemoryLogAttr.fileRssBytes]: MIB,
        [MemoryLogAttr.shmemRssBytes]: 0,
        [MemoryLogAttr.totalVmBytes]: 200 * MIB,
        [MemoryLogAttr.pgtablesBytes]: 4096,
        [MemoryLogAttr.oomScoreAdj]: 0,
        [MemoryLogAttr.triggerPid]: pid,
        [MemoryLogAttr.dumpId]: dumpId,
      },
    },
  ];
  for (let slot = slots; slot >= 1; slot--) {
    records.push({
      service,
      host,
      timeUnixNs: killNs - BigInt(slot) * 250_000_000n,
      eventName: MEMORY_FLIGHT_RECORD_EVENT,
      body: 'slot',
      attributes: {
        [MemoryLogAttr.processPid]: pid,
        [MemoryLogAttr.dumpId]: dumpId,
        [MemoryLogAttr.dumpTrigger]: 'oom_kill',
        [MemoryLogAttr.sampleMs]: 250,
        [MemoryLogAttr.faults]: 1024,
        [MemoryLogAttr.mmapBytes]: 4 * MIB,
        [MemoryLogAttr.munmapBytes]: 0,
        [MemoryLogAttr.brkBytes]: 0,
      },
    });
  }
  records.push({
    service,
    host,
    timeUnixNs: killNs - 100_000_000n,
    eventName: MEMORY_FLIGHT_RECORD_EVENT,
    body: 'RSS',
    attributes: {
      [MemoryLogAttr.processPid]: pid,
      [MemoryLogAttr.dumpId]: dumpId,
      [MemoryLogAttr.dumpTrigger]: 'oom_kill',
      [MemoryLogAttr.sampleMs]: 0,
      [MemoryLogAttr.faults]: 0,
      [MemoryLogAttr.mmapBytes]: 0,
      [MemoryLogAttr.munmapBytes]: 0,
      [MemoryLogAttr.brkBytes]: 0,
      [MemoryLogAttr.rssBytes]: 60 * MIB,
    },
  });
  return records;
}

before(async () => {
  await store.start();
  await insertAgentLogRecords(store, [
    ...killWithRecorder('checkout', 'host-a', 101, 60, 8),
    // The same pid on another host, at the same moment: another kill, its own samples.
    ...killWithRecorder('checkout', 'host-b', 101, 60, 3),
    ...killWithRecorder('ledger', 'host-a', 202, 120, 4),
    // Outside a 15-minute window.
    ...killWithRecorder('checkout', 'host-a', 303, 3_600, 2),
  ]);
  app = Fastify();
  const keys = new Map([
    adminKey(ADMIN, 1_000_000),
    [sha256Hex(CHECKOUT), { keyId: 'checkout', scope: { servicePrefixes: ['check'] }, rateLimitPerMinute: 1_000_000 }],
  ]);
  await app.register(apiKeyAuth, { keys, publicPaths: new Set<string>(), anyKeyPathPrefixes: [] });
  await app.register(queryApiPlugin, { store, logger, now: () => NOW_MS + 1000 });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(url: string, secret = ADMIN) {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${secret}` } });
  return { status: response.statusCode, body: response.json<OomResponse & { error?: { code: string; message: string } }>() };
}

test('kills of a service in the window, newest first, each with its own flight recorder in time order', async () => {
  const { status, body } = await get('/v1/memory/oom?service=checkout&window=15m');
  assert.equal(status, 200);
  assert.deepEqual(body.kills.map((kill) => [kill.host, kill.pid, kill.flightRecorder.length]).sort(), [['host-a', 101, 9], ['host-b', 101, 4]]);
  const kill = body.kills.find((k) => k.host === 'host-a')!;
  assert.equal(kill.service, 'checkout');
  assert.equal(kill.cgroup, '/checkout');
  assert.equal(kill.anonRssBytes, 63 * MIB);
  assert.equal(kill.time, new Date(NOW_MS - 60_000).toISOString());
  const times = kill.flightRecorder.map((sample) => Date.parse(sample.time));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
  assert.equal(kill.flightRecorder.filter((s) => s.sampleMs === 250).reduce((sum, s) => sum + s.mmapBytes, 0), 32 * MIB);
  assert.deepEqual(kill.flightRecorder.filter((s) => s.rssBytes !== null).map((s) => s.rssBytes), [60 * MIB]);
  assert.ok(kill.flightRecorder.filter((s) => s.sampleMs === 250).every((s) => s.rssBytes === null));
});

test('without a service: every service\'s kills, newest first; limit keeps the newest', async () => {
  const all = await get('/v1/memory/oom?window=15m');
  assert.deepEqual(all.body.kills.map((kill) => kill.service), ['checkout', 'checkout', 'ledger']);
  const hour = await get('/v1/memory/oom?window=2h&limit=1');
  assert.equal(hour.body.kills.length, 1);
  assert.equal(hour.body.kills[0]!.service, 'checkout');
  assert.equal((await get('/v1/memory/oom?window=2h')).body.kills.length, 4);
});

test('a scoped key sees its services\' kills only, and a 403 naming another', async () => {
  const own = await get('/v1/memory/oom?window=15m', CHECKOUT);
  assert.equal(own.status, 200);
  assert.deepEqual([...new Set(own.body.kills.map((kill) => kill.service))], ['checkout']);
  const other = await get('/v1/memory/oom?service=ledger&window=15m', CHECKOUT);
  assert.equal(other.status, 403);
  assert.match(other.body.error!.message, /ledger/);
});

test('bad input is a 400 naming the parameter, never a query', async () => {
  for (const [query, word] of [
    ['window=15x', 'window'],
    ['window=90d', 'window'],
    ['limit=0', 'limit'],
    ['service=', 'service'],
  ] as const) {
    const { status, body } = await get(`/v1/memory/oom?${query}`);
    assert.equal(status, 400, query);
    assert.match(JSON.stringify(body.error), new RegExp(word), query);
  }
});
