// Ingest fault: kill -9 of the ingest process mid-batch, 10 times in a row,
// under steady load; then one more ingest drains the topics and the store is
// reconciled with what was produced (exactly-once effect: nothing lost, nothing
// twice, rollups equal to the raw table).
// Starts: one Kafka broker; the ingest as its own process (`--target ingest`,
// embedded chDB in a temp dir), started 11 times; the load goes through the
// Kafka transport's producer, as the agent's does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createLogger, Registry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { createKafkaTransport, kafkaTransportConfigDefaults, type TransportProducer } from '@stallscope/transport';
import { servicePrefix, startLoad } from './fixtures/countable-load.js';
import { counterValue, drained, ingestEnv, until } from './fixtures/ingest-faults.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { assertReconciled, reconcileStore } from './fixtures/store-reconciliation.js';

const skipReason = kafkaSkipReason();
if (skipReason) console.log(`skipping ingest kill faults: ${skipReason}`);

const KILLS = 10;
let broker: KafkaBroker | undefined;
let admin: Admin | undefined;
let producer: TransportProducer | undefined;
let ingest: StallscopeProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-faults-kill-'));

before(
  async () => {
    if (skipReason) return;
    broker = await startKafkaBroker();
    admin = new Kafka({ clientId: 'faults-kill', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const transport = createKafkaTransport(
      { ...kafkaTransportConfigDefaults, brokers: broker.brokers, clientId: 'faults-kill-agent' },
      { logger: createLogger('silent'), metrics: new Registry() },
    );
    producer = transport.createProducer();
    await producer.start();
  },
  { timeout: 240_000 },
);

after(async () => {
  await ingest?.kill();
  await producer?.stop();
  await admin?.disconnect();
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test(`kill -9 of the ingest mid-batch, ${KILLS} times under load: every span and point stored once`, { skip: skipReason, timeout: 600_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  const startedMs = Date.now();
  const groupId = `faults-kill-${runId}`;
  const env = ingestEnv(broker!.brokers, groupId, join(dataDir, 'chdb'));
  const topicOf = { traces: Topics.spans, metrics: Topics.metrics } as const;
  const load = startLoad(runId, { send: (signal, messages) => producer!.send(topicOf[signal], messages.map((value) => ({ value }))) }, 100);
  let ingestedBeforeKills = 0;
  const killedPids: number[] = [];
  try {
    for (let kill = 1; kill <= KILLS; kill++) {
      ingest = await startStallscope('ingest', env, dataDir);
      const running = ingest;
      // Each process gets somewhere (a batch committed) before it dies; under
      // the load it is then always inside a batch, and the kill lands at a random moment.
      await until(
        async () => (await counterValue(running, 'stallscope_ingest_messages_total', { outcome: 'ingested' })) > 0,
        'the ingest to get a batch through',
        60_000,
      );
      await sleep(randomInt(100, 1000));
      ingestedBeforeKills += await counterValue(running, 'stallscope_ingest_messages_total', { outcome: 'ingested' });
      killedPids.push(running.child.pid!);
      assert.equal(await running.kill(), 'SIGKILL');
      ingest = undefined;
    }
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.refused, { spans: 0, points: 0, calls: 0, blockedNs: 0 }, 'the broker took every message');
  // A kill mid-insert leaves that insert's file; it must sit where the next
  // start removes it, not in the system's temporary directory for good.
  const { insertFileDir } = createStore({ ...storeConfigDefaults, chdbPath: env.STALLSCOPE_STORE_CHDB_PATH! }, { logger: createLogger('silent') });
  assert.ok(insertFileDir !== undefined);
  const leftByLastKill = existsSync(insertFileDir) ? readdirSync(insertFileDir).length : 0;

  ingest = await startStallscope('ingest', env, dataDir);
  await drained(admin!, groupId, 'the last ingest to commit every message', 300_000, [ingest]);
  const ingestedByLast = await counterValue(ingest, 'stallscope_ingest_messages_total', { outcome: 'ingested' });
  assert.equal(await ingest.stop(), 0, 'the last ingest exits cleanly on SIGTERM');
  ingest = undefined;
  assert.deepEqual(readdirSync(insertFileDir), [], "the store's insert-file directory is empty");
  // Pids come round again: only files written during this test count.
  const inTmp = readdirSync(tmpdir()).filter(
    (name) => killedPids.some((pid) => name.startsWith(`stallscope-insert-${pid}-`)) && statSync(join(tmpdir(), name)).mtimeMs >= startedMs,
  );
  assert.deepEqual(inTmp, [], 'no insert file of a killed ingest in the temporary directory');
  const produced = load.intervals * 2;
  console.log(
    `kill -9 x${KILLS}: ${load.intervals} intervals (${produced} messages) produced; ${ingestedBeforeKills} ingested by the killed processes ` +
      `(read before each kill, so fewer than they ingested), ${ingestedByLast} by the last one; ` +
      `${leftByLastKill} insert file(s) left by the last kill, removed by the next start`,
  );

  const stored = await reconcileStore(env.STALLSCOPE_STORE_CHDB_PATH!, servicePrefix(runId));
  assertReconciled(`kill -9 x${KILLS}`, load, stored);
  assert.equal(stored.deadLetterRows, 0, 'a crash makes no dead letters');
});
