// Ingest fault: the store fails for 60 s under load, the way an embedded
// store fails for real: its data directory sits on a small tmpfs the test
// mounts, a ballast file fills it (ENOSPC: ClickHouse cannot reserve space for
// a part), and 60 s later the ballast goes. The ingest holds its inserts below
// the store's free-space floor instead of sending them into the full engine.
// Nothing may be committed meanwhile, nothing dead-lettered, and the same
// process resumes by itself.
// Starts: one Kafka broker; the ingest as its own process (`--target ingest`,
// embedded chDB on the tmpfs); the load through the Kafka transport's producer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createLogger, Registry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { createKafkaTransport, kafkaTransportConfigDefaults, type TransportProducer } from '@stallscope/transport';
import { servicePrefix, startLoad } from './fixtures/countable-load.js';
import { committedOffsets, consumerLag, counterValue, drained, ingestEnv, until } from './fixtures/ingest-faults.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { assertReconciled, reconcileStore } from './fixtures/store-reconciliation.js';

const OUTAGE_MS = 60_000;

function tmpfsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting the small tmpfs the store fills needs root';
  return undefined;
}

const skipReason = kafkaSkipReason() ?? tmpfsSkipReason();
if (skipReason) console.log(`skipping ingest store faults: ${skipReason}`);

let broker: KafkaBroker | undefined;
let admin: Admin | undefined;
let producer: TransportProducer | undefined;
let ingest: StallscopeProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-faults-store-'));
const storeMount = join(dataDir, 'store');
let mounted = false;

before(
  async () => {
    if (skipReason) return;
    execFileSync('mkdir', ['-p', storeMount]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', storeMount]);
    mounted = true;
    broker = await startKafkaBroker();
    admin = new Kafka({ clientId: 'faults-store', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const transport = createKafkaTransport(
      { ...kafkaTransportConfigDefaults, brokers: broker.brokers, clientId: 'faults-store-agent' },
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
  if (mounted) execFileSync('umount', [storeMount]);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Fills the filesystem with one file; dd stops at ENOSPC. */
function fillWithBallast(path: string): void {
  spawnSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=1M'], { stdio: 'ignore' });
  const { bavail } = statfsSync(storeMount);
  assert.equal(bavail, 0, 'the ballast took every free block');
}

/**
 * Keeps the filesystem full: the engine frees blocks while the disk is full
 * (a failed insert removes its temporary part; ~0.8 MB were free again by the
 * outage's end), and a small insert could then land in them, so the store
 * would not be failing for the whole outage. Returns the stop.
 */
function keepFull(path: string): () => void {
  const timer = setInterval(() => spawnSync('dd', ['if=/dev/zero', `of=${path}`, 'bs=4k', 'oflag=append', 'conv=notrunc'], { stdio: 'ignore' }), 100);
  return () => clearInterval(timer);
}

test('the store failing (disk full) for 60 s under load: no commit while failing, nothing lost, resumes by itself', { skip: skipReason, timeout: 600_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  const groupId = `faults-store-${runId}`;
  // Retries capped at 2 s (30 s by default): the test waits less for the first retry after the outage.
  const chdbPath = join(storeMount, 'chdb');
  const env = { ...ingestEnv(broker!.brokers, groupId, chdbPath), STALLSCOPE_INGEST_INSERT_RETRY_MAX_BACKOFF_MS: '2000' };
  const topicOf = { traces: Topics.spans, metrics: Topics.metrics } as const;
  ingest = await startStallscope('ingest', env, dataDir);
  const running = ingest;
  const pid = running.child.pid;
  const load = startLoad(runId, { send: (signal, messages) => producer!.send(topicOf[signal], messages.map((value) => ({ value }))) }, 100);
  let stopKeepingFull = () => {};
  try {
    await until(async () => (await counterValue(running, 'stallscope_ingest_rows_inserted_total')) > 0, 'the ingest to insert', 60_000);

    const ballast = join(storeMount, 'ballast');
    fillWithBallast(ballast);
    stopKeepingFull = keepFull(ballast);
    const failingSince = Date.now();
    await until(async () => (await counterValue(running, 'stallscope_ingest_inserts_held_total')) > 0, 'an insert to be held below the free-space floor', 30_000);
    // A batch whose inserts all landed before the disk filled may still commit; then nothing may.
    // Inserts that were in the engine when the disk filled have failed by now; from here on the
    // floor holds every one before it reaches the engine (store.minFreeBytes).
    await sleep(3_000);
    const committedWhileFailing = await committedOffsets(admin!, groupId);
    const lagWhileFailing = await consumerLag(admin!, groupId);
    const failuresAtFill = await counterValue(running, 'stallscope_ingest_insert_failures_total');
    const freeWhileFull = await counterValue(running, 'stallscope_ingest_store_free_bytes');
    const floor = await counterValue(running, 'stallscope_ingest_store_min_free_bytes');
    assert.ok(freeWhileFull < floor, `the scraped free space (${freeWhileFull} bytes) is below the floor (${floor}) while the disk is full`);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - failingSince)));
    assert.deepEqual(await committedOffsets(admin!, groupId), committedWhileFailing, 'no offset committed while the store failed');
    const lagAtRecovery = await consumerLag(admin!, groupId);
    assert.ok(lagAtRecovery > lagWhileFailing, `the lag grew while failing (${lagWhileFailing} -> ${lagAtRecovery})`);
    const failures = await counterValue(running, 'stallscope_ingest_insert_failures_total');
    const held = await counterValue(running, 'stallscope_ingest_inserts_held_total');
    const retries = await counterValue(running, 'stallscope_ingest_insert_retries_total');
    assert.equal(failures, failuresAtFill, 'no insert reached the full engine once the floor held');
    stopKeepingFull();
    rmSync(ballast);
    console.log(
      `store full for ${Date.now() - failingSince} ms: ${held} inserts held by the floor, ${failures} failed in the engine, ${retries} retries, lag ${lagWhileFailing} -> ${lagAtRecovery} messages`,
    );
  } finally {
    stopKeepingFull();
    await load.stop();
  }
  assert.deepEqual(load.refused, { spans: 0, points: 0, calls: 0, blockedNs: 0 }, 'the broker took every message');

  await drained(admin!, groupId, 'the ingest to commit every message after the store came back', 300_000, [running]);
  assert.equal(running.child.pid, pid);
  assert.equal(running.child.exitCode, null, 'the same ingest process resumed by itself');
  assert.equal(await counterValue(running, 'stallscope_ingest_dead_letters_total'), 0, 'a store failure is not a dead letter');
  assert.equal(await running.stop(), 0, 'the ingest exits cleanly on SIGTERM');
  ingest = undefined;

  const stored = await reconcileStore(chdbPath, servicePrefix(runId));
  assertReconciled('store full 60 s', load, stored);
  assert.equal(stored.deadLetterRows, 0);
});
