// What the transport's producer sends per second to a local broker, against
// kafkajs's own producer as the transport used it before (idempotent, acks=all,
// one request in flight per broker, one request per send whatever partitions it
// spans), alternating rounds on the same topic:
//   collector-shaped  32 concurrent sends, each 20 messages of 2 KiB keyed by
//                     trace id (the collector's partition_traces_by_id)
//   agent-shaped      32 concurrent sends of one unkeyed 16 KiB message each
// The transport's producer sends one request per partition, one at a time per
// partition, with what queued up meanwhile in the next: what kafkajs needs to
// retry a request without writing a message twice or skipping one.
// usage: node bench/kafka-producer.mjs [rounds] [sends-per-round]
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, CompressionTypes, Partitioners } from 'kafkajs';
import { createLogger, Registry } from '@stallscope/common';
import { createKafkaTransport, kafkaTransportConfigDefaults } from '@stallscope/transport';
import { createProgress, kafkaSkipReason, median, printTable, startKafkaBroker } from './lib/kit.mjs';

const NAME = 'kafka-producer';
const rounds = Number(process.argv[2] ?? 3);
const sendsPerRound = Number(process.argv[3] ?? 2000);
const CONCURRENCY = 32;
const PARTITIONS = 6;

const skip = kafkaSkipReason();
if (skip) {
  console.log(`${NAME}: skipped, ${skip}`);
  process.exit(0);
}

const shapes = {
  'collector-shaped': () => Array.from({ length: 20 }, () => ({ key: randomBytes(16).toString('hex'), value: randomBytes(2048) })),
  'agent-shaped': () => [{ key: undefined, value: randomBytes(16 * 1024) }],
};

const progress = createProgress(NAME, { total: rounds * 2 * Object.keys(shapes).length });
progress.update(0, 'starting a Kafka broker');
const broker = await startKafkaBroker();
const topic = `bench-producer-${Date.now()}`;
const transport = createKafkaTransport(
  { ...kafkaTransportConfigDefaults, brokers: [broker.brokers], clientId: NAME, topics: [topic], topicPartitions: PARTITIONS },
  { logger: createLogger('silent'), metrics: new Registry() },
);
const ours = transport.createProducer();
await ours.start();
const plain = new Kafka({ clientId: `${NAME}-kafkajs`, brokers: [broker.brokers], logLevel: logLevel.NOTHING }).producer({
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await plain.connect();

const subjects = {
  'kafkajs, one request per send (before)': (messages) =>
    plain.send({ topic, acks: -1, compression: CompressionTypes.None, messages: messages.map(({ key, value }) => ({ key: key ?? null, value })) }),
  'transport producer': (messages) => ours.send(topic, messages.map(({ key, value }) => ({ key: key === undefined ? undefined : Buffer.from(key), value }))),
};

/** Messages per second of `sendsPerRound` sends, CONCURRENCY at a time. */
async function measure(send, makeMessages) {
  const batches = Array.from({ length: sendsPerRound }, makeMessages);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) await send(batches[next++]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return batches.reduce((sum, batch) => sum + batch.length, 0) / seconds;
}

const results = {};
let done = 0;
try {
  for (const [shape, makeMessages] of Object.entries(shapes)) {
    for (let round = 0; round < rounds; round++) {
      for (const [subject, send] of Object.entries(subjects)) {
        progress.update(done, `${shape}, round ${round + 1}: ${subject}`);
        (results[`${shape}/${subject}`] ??= []).push(await measure(send, makeMessages));
        done += 1;
      }
    }
  }
} finally {
  progress.finish();
  await ours.stop();
  await plain.disconnect();
  await broker.stop();
}

const rows = [];
for (const shape of Object.keys(shapes)) {
  const before = median(results[`${shape}/kafkajs, one request per send (before)`]);
  for (const subject of Object.keys(subjects)) {
    const rate = median(results[`${shape}/${subject}`]);
    rows.push([shape, subject, Math.round(rate).toLocaleString('en-US'), (rate / before).toFixed(2)]);
  }
}
console.log(`${NAME}: ${rounds} rounds of ${sendsPerRound} sends, ${CONCURRENCY} at a time, topic of ${PARTITIONS} partitions, one local broker (medians)`);
printTable(['workload', 'producer', 'messages/s', 'vs before'], rows);
