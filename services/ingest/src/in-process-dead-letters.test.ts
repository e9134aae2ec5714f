// Real components: the in-process transport and the chDB engine (embedded
// ClickHouse) through createStore, wired as the all-in-one launcher wires
// them: no dead-letter producer, the stallscope_dead_letters table is the sink.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry, createLogger } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { createInProcessTransport, inProcessTransportConfigDefaults, type TransportMessage } from '@stallscope/transport';
import { ingestConfigDefaults } from './config.js';
import { createIngest } from './ingest.js';
import { serializeMetrics, syscallDurationMetrics } from './otlp-fixtures.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-ingest-dlq-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });

before(() => store.start());
after(async () => {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function count(query: string): Promise<number> {
  const result = await store.client.query({ query, format: 'JSONEachRow' });
  const rows = await result.json<{ n: string }>();
  return Number(rows[0]?.n ?? 0);
}

/** Sends as a producer under backpressure does: a full queue is waited out, never dropped. */
async function sendAll(send: (messages: TransportMessage[]) => Promise<void>, messages: TransportMessage[], chunk: number) {
  for (let next = 0; next < messages.length; ) {
    try {
      await send(messages.slice(next, next + chunk));
      next += chunk;
    } catch (err) {
      if (!/is full/.test((err as Error).message)) throw err;
      await sleep(10);
    }
  }
}

async function poisonThenGood(run: string, withDeadLetterTopic: boolean): Promise<void> {
  const metrics = new Registry();
  const transport = createInProcessTransport(inProcessTransportConfigDefaults, { logger, metrics });
  const producer = transport.createProducer();
  const deadLetter = withDeadLetterTopic ? transport.createProducer() : undefined;
  const ingest = createIngest(ingestConfigDefaults, {
    logger,
    metrics,
    store,
    consumer: transport.createConsumer(ingestConfigDefaults.consumerGroup),
    deadLetter,
  });
  await deadLetter?.start();
  await ingest.start();
  await producer.start();
  const now = Math.floor(Date.now() / 1000);
  // Wire type 7 does not exist: no protobuf reader gets past the first byte.
  const poison = Array.from({ length: 12_000 }, (_, index) => ({ value: Buffer.from(`\x0f${run} ${index}`) }));
  const good = Array.from({ length: 20 }, () => ({
    value: serializeMetrics(
      syscallDurationMetrics({
        serviceName: run,
        hostName: 'host-a',
        startTime: [now - 10, 0],
        endTime: [now, 0],
        points: [{ syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [1], sumNs: 2e6, minNs: 2e6, maxNs: 2e6 }],
      }),
    ),
  }));
  await sendAll((messages) => producer.send(Topics.metrics, messages), [...poison, ...good], 1_000);

  const deadline = Date.now() + 60_000;
  while ((await count(`SELECT count() AS n FROM otel_metrics_exponential_histogram WHERE ServiceName = '${run}'`)) < 20) {
    assert.ok(Date.now() < deadline, 'good messages after 12,000 poison ones were not ingested within 60 s');
    await sleep(50);
  }
  await producer.stop();
  await ingest.stop();
  await deadLetter?.stop();
  const ofRun = `startsWith(base64Decode(PayloadBase64), '\\x0F${run} ')`;
  assert.equal(await count(`SELECT count() AS n FROM stallscope_dead_letters WHERE SourceTopic = '${Topics.metrics}' AND ${ofRun}`), 12_000);
  assert.equal(await count(`SELECT uniqExact(PayloadBase64) AS n FROM stallscope_dead_letters WHERE ${ofRun}`), 12_000);
}

it('12,000 poison messages do not block the good ones that follow, and all are in stallscope_dead_letters', () =>
  poisonThenGood('all-in-one', false));

it('nor with a dead-letter producer on the in-process transport, where no group reads the dead-letter topic', () =>
  poisonThenGood('unread-topic', true));
