// Ingest fault: 1,000 poison messages mixed into a steady stream of good
// ones. Every poison message ends as a dead letter (the table, the
// /v1/dead-letters route and, with Kafka, the dead-letter topic), every good
// one is stored once, and nothing blocks.
// Starts: Kafka mode — one Kafka broker and `--target ingest,query-api` as its
// own process (embedded chDB), the load through the Kafka transport's producer;
// all-in-one — `--target collector,ingest,query-api` in one process
// (in-process transport, embedded chDB), the load over the collector's OTLP/HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createLogger, Registry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { createKafkaTransport, kafkaTransportConfigDefaults, type TransportProducer } from '@stallscope/transport';
import { servicePrefix, startLoad, type LoadSink } from './fixtures/countable-load.js';
import { counterValue, drained, ingestEnv, until } from './fixtures/ingest-faults.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { poisonMessage, POISON_KINDS, type Poison, type PoisonKind } from './fixtures/poison-messages.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { assertReconciled, reconcileStore } from './fixtures/store-reconciliation.js';

const POISON = 1_000;
const kafkaSkip = kafkaSkipReason();
if (kafkaSkip) console.log(`skipping the Kafka-mode poison test: ${kafkaSkip}`);

let broker: KafkaBroker | undefined;
let admin: Admin | undefined;
let producer: TransportProducer | undefined;
const processes: StallscopeProcess[] = [];
const dataDirs: string[] = [];

before(
  async () => {
    if (kafkaSkip) return;
    broker = await startKafkaBroker();
    admin = new Kafka({ clientId: 'faults-poison', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const transport = createKafkaTransport(
      { ...kafkaTransportConfigDefaults, brokers: broker.brokers, clientId: 'faults-poison-agent' },
      { logger: createLogger('silent'), metrics: new Registry() },
    );
    producer = transport.createProducer();
    await producer.start();
  },
  { timeout: 240_000 },
);

after(async () => {
  for (const running of processes) await running.kill();
  await producer?.stop();
  await admin?.disconnect();
  await broker?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Sends POISON poison messages of the kinds given, 10 at a time, while the good load runs. */
async function sendPoison(runId: string, kinds: readonly PoisonKind[], send: (poison: Poison) => Promise<void>): Promise<Set<string>> {
  const payloads = new Set<string>();
  for (let index = 0; index < POISON; index += 10) {
    const chunk = Array.from({ length: 10 }, (_, i) => poisonMessage(runId, index + i, kinds[(index + i) % kinds.length]!));
    await Promise.all(chunk.map(send));
    for (const poison of chunk) payloads.add(poison.value.toString('base64'));
    await sleep(20);
  }
  assert.equal(payloads.size, POISON, 'every poison message is unique');
  return payloads;
}

/** The dead letters the query API lists: each poison payload once, with its error. */
async function assertDeadLettersListed(running: StallscopeProcess, payloads: Set<string>): Promise<void> {
  const response = await fetch(`${running.url}/v1/dead-letters?window=15m&limit=1000`, {
    headers: { authorization: `Bearer ${running.token}` },
  });
  assert.equal(response.status, 200);
  const { rows } = (await response.json()) as { rows: { payloadBase64: string; error: string; sourceTopic: string }[] };
  assert.equal(rows.length, POISON, 'the route lists every dead letter');
  assert.deepEqual(new Set(rows.map((row) => row.payloadBase64)), payloads, 'each poison payload, as it was sent');
  for (const row of rows) {
    assert.ok([Topics.spans, Topics.metrics].includes(row.sourceTopic as typeof Topics.spans), row.sourceTopic);
    assert.ok(row.error.length > 0, 'each with why');
  }
}

test(`Kafka mode: ${POISON} poison messages in a stream, all dead-lettered, every good one stored`, { skip: kafkaSkip, timeout: 600_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  const groupId = `faults-poison-${runId}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-faults-poison-'));
  dataDirs.push(dataDir);
  const env = ingestEnv(broker!.brokers, groupId, join(dataDir, 'chdb'));
  const running = await startStallscope('ingest,query-api', env, dataDir);
  processes.push(running);
  const topicOf = { traces: Topics.spans, metrics: Topics.metrics } as const;
  const load = startLoad(runId, { send: (signal, messages) => producer!.send(topicOf[signal], messages.map((value) => ({ value }))) }, 20);
  let payloads: Set<string>;
  try {
    payloads = await sendPoison(runId, POISON_KINDS, (poison) => producer!.send(topicOf[poison.signal], [{ value: poison.value }]));
    await sleep(1_000);
  } finally {
    await load.stop();
  }
  await drained(admin!, groupId, 'the ingest to commit every message', 300_000, [running]);
  assert.equal(await counterValue(running, 'stallscope_ingest_dead_letters_total'), POISON);

  const deadLetterTopic = await admin!.fetchTopicOffsets(Topics.deadLetter);
  const onTopic = deadLetterTopic.reduce((total, { high, low }) => total + Number(high) - Number(low), 0);
  assert.equal(onTopic, POISON, 'every dead letter is on the dead-letter topic too');
  await assertDeadLettersListed(running, payloads);
  assert.equal(await running.stop(), 0);

  const stored = await reconcileStore(env.STALLSCOPE_STORE_CHDB_PATH!, servicePrefix(runId));
  console.log(`Kafka mode: ${POISON} poison messages, ${load.intervals} good intervals; ${onTopic} on the dead-letter topic`);
  assertReconciled(`Kafka mode, ${POISON} poison`, load, stored);
  assert.equal(stored.deadLetterRows, POISON);
  assert.equal(stored.deadLetterSources, POISON, 'each dead letter once');
});

test(`all-in-one: ${POISON} poison messages through the collector, all dead-lettered, every good one stored`, { timeout: 240_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-faults-poison-aio-'));
  dataDirs.push(dataDir);
  const running = await startStallscope('collector,ingest,query-api', {}, dataDir);
  processes.push(running);
  const post = async (signal: 'traces' | 'metrics', body: Buffer): Promise<void> => {
    const response = await fetch(`${running.otlpHttp}/v1/${signal}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`collector answered ${response.status}`);
  };
  const sink: LoadSink = { send: async (signal, messages) => void (await Promise.all(messages.map((message) => post(signal, message)))) };
  const load = startLoad(runId, sink, 20);
  let payloads: Set<string>;
  try {
    // The collector refuses the other kinds itself (400); this one it forwards.
    payloads = await sendPoison(runId, ['histogram-buckets'], (poison) => post(poison.signal, poison.value));
    await sleep(1_000);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.refused, { spans: 0, points: 0, calls: 0, blockedNs: 0 }, 'the collector took every good request');
  await until(
    async () => (await counterValue(running, 'stallscope_ingest_dead_letters_total')) >= POISON,
    'every poison message dead-lettered',
    60_000,
  );
  await until(
    async () => (await counterValue(running, 'stallscope_transport_queued_messages')) === 0,
    'the in-process queues to drain',
    60_000,
  );
  assert.equal(await counterValue(running, 'stallscope_ingest_dead_letters_total'), POISON);
  await assertDeadLettersListed(running, payloads);
  assert.equal(await running.stop(), 0);

  const stored = await reconcileStore(join(dataDir, 'chdb'), servicePrefix(runId));
  console.log(`all-in-one: ${POISON} poison messages, ${load.intervals} good intervals`);
  assertReconciled(`all-in-one, ${POISON} poison`, load, stored);
  assert.equal(stored.deadLetterRows, POISON);
  assert.equal(stored.deadLetterSources, POISON, 'each dead letter once');
});
