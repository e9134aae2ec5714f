// The Kafka transport against a real broker.
// Starts: one single-node Apache Kafka broker (KRaft, infra/kafka/kafka.sh) for the whole suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import kafkajs from 'kafkajs';
import { createLogger, LOG_LEVELS, Registry } from '@stallscope/common';
import {
  createKafkaTransport,
  kafkaTransportConfigDefaults,
  type DeliveredMessage,
  type KafkaTransportConfig,
  type KafkaTransportDeps,
  type TransportMessage,
} from '@stallscope/transport';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';

const skipReason = kafkaSkipReason();
if (skipReason) console.log(`skipping kafka transport suite: ${skipReason}`);

const logLevelName = LOG_LEVELS.find((level) => level === process.env.STALLSCOPE_TEST_LOG_LEVEL) ?? 'silent';
let broker: KafkaBroker | undefined;
let admin: ReturnType<Kafka['admin']> | undefined;

before(
  async () => {
    if (skipReason) return;
    const started = Date.now();
    broker = await startKafkaBroker();
    console.log(`kafka broker ${broker.brokers.join(',')} started in ${Date.now() - started} ms`);
    admin = new Kafka({ clientId: 'kafka-transport-test', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  },
  { timeout: 240_000 },
);

after(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

function setup(overrides: Partial<KafkaTransportConfig> = {}, faults: Pick<KafkaTransportDeps, 'wrapKafka' | 'socketFactory'> = {}) {
  const metrics = new Registry();
  const config: KafkaTransportConfig = {
    ...kafkaTransportConfigDefaults,
    brokers: broker!.brokers,
    clientId: 'kafka-transport-test',
    topics: [],
    handlerRetryBackoffMs: 200,
    ...overrides,
  };
  const transport = createKafkaTransport(config, { logger: createLogger(logLevelName), metrics, ...faults });
  return { transport, metrics };
}

const fresh = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

function messages(from: number, count: number): TransportMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${(from + i) % 6}`),
    value: Buffer.from(`msg-${from + i}`),
    headers: { seq: String(from + i), 'content-type': 'application/x-protobuf' },
  }));
}

const seqOf = (message: DeliveredMessage) => Number(message.headers?.seq);

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function metricValue(registry: Registry, name: string, topic: string): Promise<number> {
  const { values } = await registry.getSingleMetric(name)!.get();
  return values.find((sample) => sample.labels.topic === topic)?.value ?? 0;
}

/** True when the group's committed offset of every partition is the partition's end. */
async function committedToEnd(groupId: string, topic: string): Promise<boolean> {
  const ends = await admin!.fetchTopicOffsets(topic);
  const [committed] = await admin!.fetchOffsets({ groupId, topics: [topic] });
  return ends.every(({ partition, high }) =>
    committed?.partitions.some((p) => p.partition === partition && p.offset === high),
  );
}

describe('kafka transport against a real broker', { skip: skipReason, timeout: 180_000 }, () => {
  test('a consumer group receives every message with its headers, in order per partition, and commits', async () => {
    const topic = fresh('spans');
    const groupId = fresh('ingest');
    const { transport, metrics } = setup({ topics: [topic] });
    const producer = transport.createProducer();
    const started = Date.now();
    await producer.start();
    const [metadata] = (await admin!.fetchTopicMetadata({ topics: [topic] })).topics;
    assert.equal(metadata?.partitions.length, 3, 'producer start created the topic with topicPartitions');

    for (let from = 0; from < 60; from += 20) await producer.send(topic, messages(from, 20));
    const received: DeliveredMessage[] = [];
    const consumer = transport.createConsumer(groupId);
    consumer.subscribe(topic, async (batch) => void received.push(...batch));
    await consumer.start();
    await until(() => received.length >= 60, 'all 60 messages');
    console.log(`produced and consumed 60 messages in ${Date.now() - started} ms`);

    assert.deepEqual(
      received.map(seqOf).sort((a, b) => a - b),
      Array.from({ length: 60 }, (_, i) => i),
      'each message exactly once',
    );
    for (const message of received) {
      const seq = seqOf(message);
      assert.equal(message.topic, topic);
      assert.equal(message.value.toString(), `msg-${seq}`);
      assert.equal(message.key?.toString(), `key-${seq % 6}`);
      assert.equal(message.headers?.['content-type'], 'application/x-protobuf');
    }
    const partitions = new Set(received.map((message) => message.partition));
    assert.ok(partitions.size > 1, 'keys spread over partitions');
    for (const partition of partitions) {
      const inPartition = received.filter((message) => message.partition === partition);
      assert.deepEqual(
        inPartition.map((message) => message.offset),
        inPartition.map((_, i) => String(i)),
        `partition ${partition}: consecutive offsets from 0`,
      );
      const seqs = inPartition.map(seqOf);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `partition ${partition}: send order`);
    }
    await until(() => committedToEnd(groupId, topic), 'offsets committed to the end of every partition');
    assert.equal(await metricValue(metrics, 'stallscope_transport_messages_sent_total', topic), 60);
    assert.equal(await metricValue(metrics, 'stallscope_transport_messages_delivered_total', topic), 60);
    await consumer.stop();
    await producer.stop();
  });

  test('a new consumer of the same group, after a restart, receives only what was not committed', async () => {
    const topic = fresh('metrics');
    const groupId = fresh('ingest');
    const { transport } = setup();
    const producer = transport.createProducer();
    await producer.start();
    await producer.send(topic, messages(0, 10));

    const first: DeliveredMessage[] = [];
    const consumer1 = transport.createConsumer(groupId);
    consumer1.subscribe(topic, async (batch) => void first.push(...batch));
    await consumer1.start();
    await until(() => first.length >= 10, 'the first consumer to receive 10');
    await consumer1.stop();

    const second: DeliveredMessage[] = [];
    const consumer2 = transport.createConsumer(groupId);
    consumer2.subscribe(topic, async (batch) => void second.push(...batch));
    await consumer2.start();
    await producer.send(topic, messages(10, 5));
    await until(() => second.length >= 5, 'the second consumer to receive the 5 new ones');
    await sleep(1000);
    assert.deepEqual(second.map(seqOf).sort((a, b) => a - b), [10, 11, 12, 13, 14]);
    assert.equal(first.length, 10);
    await consumer2.stop();
    await producer.stop();
  });

  test('a batch whose handler rejects is delivered again and committed only after success', async () => {
    const topic = fresh('logs');
    const groupId = fresh('ingest');
    const { transport, metrics } = setup({ topicPartitions: 1 });
    const producer = transport.createProducer();
    await producer.start();
    await producer.send(topic, messages(0, 10));

    const calls: DeliveredMessage[][] = [];
    const consumer = transport.createConsumer(groupId);
    consumer.subscribe(topic, async (batch) => {
      calls.push(batch);
      if (calls.length === 1) throw new Error('store unavailable');
    });
    await consumer.start();
    await until(() => calls.slice(1).flat().length >= 10, 'the redelivery of all 10');
    const [failed, retried] = calls;
    assert.equal(retried?.[0]?.offset, failed?.[0]?.offset, 'the retry starts at the failed batch');
    assert.deepEqual(
      calls.slice(1).flat().map(seqOf),
      Array.from({ length: 10 }, (_, i) => i),
      'after the failure, each message once and in order',
    );
    await until(() => committedToEnd(groupId, topic), 'the offset committed after the retry');
    assert.equal(await metricValue(metrics, 'stallscope_transport_handler_failures_total', topic), 1);
    await consumer.stop();
    await producer.stop();
  });

  test('a batch delivered again holds the messages of its first delivery, also to a new consumer after a crash, though more arrived', async () => {
    const topic = fresh('replay');
    const groupId = fresh('ingest');
    const { transport } = setup({ topicPartitions: 1 });
    const producer = transport.createProducer();
    await producer.start();
    await producer.send(topic, messages(0, 10));

    // The first member never gets its batch through, as if it died before the commit.
    const failing: DeliveredMessage[][] = [];
    const consumer1 = transport.createConsumer(groupId);
    consumer1.subscribe(topic, async (batch) => {
      failing.push(batch);
      throw new Error('crashed before the commit');
    });
    await consumer1.start();
    await until(() => failing.length >= 1, 'the first delivery');
    await producer.send(topic, messages(10, 5));
    await until(() => failing.length >= 3, 'two redeliveries to the same member');
    await consumer1.stop();
    const firstTen = Array.from({ length: 10 }, (_, i) => i);
    for (const batch of failing) assert.deepEqual(batch.map(seqOf), firstTen, 'the same member gets the first batch back as it was');

    // A new member (another process: nothing in memory) of the same group.
    const batches: DeliveredMessage[][] = [];
    const consumer2 = setup({ topicPartitions: 1 }).transport.createConsumer(groupId);
    consumer2.subscribe(topic, async (batch) => void batches.push(batch));
    await consumer2.start();
    try {
      await until(() => batches.flat().length >= 15, 'all 15 messages');
      assert.deepEqual(batches[0]?.map(seqOf), firstTen, 'the redelivery holds the first delivery, not the 5 that came after');
      assert.deepEqual(batches.flat().map(seqOf), Array.from({ length: 15 }, (_, i) => i), 'then the rest, each once');
      await until(() => committedToEnd(groupId, topic), 'offsets committed to the end');
    } finally {
      await consumer2.stop();
      await producer.stop();
    }
  });

  test('concurrent sends of one producer all land, each once (an idempotent producer must not interleave them)', async () => {
    const topic = fresh('concurrent');
    const { transport } = setup();
    const producer = transport.createProducer();
    await producer.start();
    const sends = 200;
    try {
      await Promise.all(Array.from({ length: sends }, (_, i) => producer.send(topic, messages(i * 3, 3))));
      const offsets = await admin!.fetchTopicOffsets(topic);
      assert.equal(offsets.reduce((total, { high }) => total + Number(high), 0), sends * 3, 'messages on the topic');
    } finally {
      await producer.stop();
    }
  });

  test('the unkeyed messages of a send land in one partition, the next send in the next; a key keeps its partition', async () => {
    const topic = fresh('partitions');
    const partitions = 6;
    const { transport } = setup({ topicPartitions: partitions });
    const producer = transport.createProducer();
    await producer.start();
    const perPartition = async () => new Map((await admin!.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]));
    try {
      for (let send = 0; send < partitions; send++) {
        await producer.send(topic, Array.from({ length: 4 }, (_, i) => ({ value: Buffer.from(`unkeyed-${send}-${i}`) })));
      }
      assert.deepEqual([...(await perPartition()).values()], Array(partitions).fill(4), 'four messages in every partition');

      const keyed = Array.from({ length: 12 }, (_, i) => ({ key: Buffer.from(`trace-${i}`), value: Buffer.from(`keyed-${i}`) }));
      await producer.send(topic, keyed);
      const once = await perPartition();
      await producer.send(topic, keyed);
      const twice = await perPartition();
      for (const [partition, high] of twice) assert.equal(high - 4, 2 * (once.get(partition)! - 4), `partition ${partition}: the same keys again`);
    } finally {
      await producer.stop();
    }
  });

  test('a handler running longer than the session keeps its membership (heartbeats) and commits once', async () => {
    const topic = fresh('long');
    const groupId = fresh('ingest');
    // 6 s is the broker's default group.min.session.timeout.ms.
    const { transport } = setup({ topicPartitions: 1, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
    const producer = transport.createProducer();
    await producer.start();
    await producer.send(topic, messages(0, 5));

    const calls: DeliveredMessage[][] = [];
    const consumer = transport.createConsumer(groupId);
    consumer.subscribe(topic, async (batch) => {
      calls.push(batch);
      // A store outage waited out inside the handler, past the session timeout.
      if (calls.length === 1) await sleep(10_000);
    });
    try {
      await consumer.start();
      await until(() => committedToEnd(groupId, topic), 'the offset committed after the long batch', 40_000);
      await sleep(1_000);
      assert.deepEqual(calls.flat().map(seqOf), [0, 1, 2, 3, 4], 'each message once: no replay after an eviction');
    } finally {
      await consumer.stop();
      await producer.stop();
    }
  });

  test('a consumer kafkajs gave up on (a non-retriable error) starts again, resumes from its commit, and counts the restart', async () => {
    const topic = fresh('crash');
    const groupId = fresh('ingest');
    // kafkajs ends a consumer for good on a non-retriable error, e.g. a
    // FindCoordinator request timed out while the broker hung ("failed to find
    // group coordinator"). Here the consumer's offset look-up for its first
    // batch fails once that way; the client and broker are otherwise real.
    let failuresLeft = 1;
    const wrapKafka = (kafka: Kafka): Kafka => {
      const makeAdmin = kafka.admin.bind(kafka);
      kafka.admin = (...args) => {
        const made = makeAdmin(...args);
        const fetchOffsets = made.fetchOffsets.bind(made);
        made.fetchOffsets = async (options) => {
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new kafkajs.KafkaJSNonRetriableError('injected: failed to find group coordinator');
          }
          return fetchOffsets(options);
        };
        return made;
      };
      return kafka;
    };
    const { transport, metrics } = setup({ topicPartitions: 1 }, { wrapKafka });
    const producer = transport.createProducer();
    await producer.start();
    await producer.send(topic, messages(0, 10));

    const received: DeliveredMessage[] = [];
    const consumer = transport.createConsumer(groupId);
    consumer.subscribe(topic, async (batch) => void received.push(...batch));
    try {
      await consumer.start();
      await until(() => received.length >= 10, 'the messages after the consumer started again', 60_000);
      await producer.send(topic, messages(10, 5));
      await until(() => committedToEnd(groupId, topic), 'the offsets committed to the end', 30_000);
      assert.equal(failuresLeft, 0, 'the fault was met');
      assert.deepEqual(received.map(seqOf), Array.from({ length: 15 }, (_, i) => i), 'each message once, in order');
      const { values } = await metrics.getSingleMetric('stallscope_transport_consumer_restarts_total')!.get();
      assert.deepEqual(
        values.map((sample) => [sample.labels.group, sample.value]),
        [[groupId, 1]],
        'one restart, counted for its group',
      );
    } finally {
      await consumer.stop();
      await producer.stop();
    }
  });

  test('a send the producer gave up on after the broker wrote it (its answers lost) costs the next send to that partition nothing', async () => {
    const topic = fresh('lost-answer');
    // kafkajs hands a failed request's sequence numbers to the next request to
    // its partition. Here the broker writes a send and every answer to it is
    // lost (the connection drops as it arrives), so the producer gives up on a
    // send that is in the log; then the next send to that partition.
    let loseAnswers = false;
    let answersLost = 0;
    const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      const emit = socket.emit.bind(socket);
      socket.emit = (event: string | symbol, ...args: unknown[]) => {
        if (event === 'data' && loseAnswers) {
          answersLost += 1;
          socket.destroy(Object.assign(new Error('injected: connection reset as the answer came'), { code: 'ECONNRESET' }));
          return true;
        }
        return emit(event, ...args);
      };
      return socket;
    };
    const { transport, metrics } = setup({ topicPartitions: 1 }, { socketFactory });
    const producer = transport.createProducer();
    const received: DeliveredMessage[] = [];
    const consumer = transport.createConsumer(fresh('ingest'));
    consumer.subscribe(topic, async (batch) => void received.push(...batch));
    await producer.start();
    try {
      await producer.send(topic, messages(0, 1));
      loseAnswers = true;
      await assert.rejects(producer.send(topic, messages(1, 1)), 'the send whose answers were lost is refused');
      loseAnswers = false;
      assert.ok(answersLost > 0, 'answers were lost');
      // As many messages as the refused send: what a broker takes for its retry.
      await producer.send(topic, messages(2, 1));
      await producer.send(topic, messages(3, 3));
      await consumer.start();
      const ends = await admin!.fetchTopicOffsets(topic);
      const total = ends.reduce((sum, { high }) => sum + Number(high), 0);
      await until(() => received.length >= total, `the ${total} messages on the topic`);
      assert.ok(received.some((message) => seqOf(message) === 1), 'the broker wrote the send whose answers were lost');
      assert.deepEqual(received.map(seqOf), [0, 1, 2, 3, 4, 5], 'every accepted send on the topic, once, in order');
      assert.equal(await metricValue(metrics, 'stallscope_transport_messages_sent_total', topic), 5, 'sent: all but the refused one');
      const { values } = await metrics.getSingleMetric('stallscope_transport_producer_renewals_total')!.get();
      assert.deepEqual(values.map((sample) => sample.value), [1], 'one producer renewal, after the refused send');
    } finally {
      await consumer.stop();
      await producer.stop();
    }
  });

  test('lifecycle: stop before start, start and stop twice, use outside start..stop', async () => {
    const topic = fresh('lifecycle');
    const { transport } = setup();
    await transport.createProducer().stop();
    await transport.createConsumer(fresh('unused')).stop();

    const producer = transport.createProducer();
    await assert.rejects(producer.send(topic, messages(0, 1)), /producer is not running/);
    await Promise.all([producer.start(), producer.start()]);
    await producer.send(topic, messages(0, 1));
    await producer.stop();
    await producer.stop();
    await assert.rejects(producer.send(topic, messages(0, 1)), /producer is not running/);

    const empty = transport.createConsumer(fresh('empty'));
    await assert.rejects(empty.start(), /has no subscriptions/);
    await empty.stop();

    const consumer = transport.createConsumer(fresh('twice'));
    consumer.subscribe(topic, async () => {});
    await consumer.start();
    await consumer.start();
    assert.throws(() => consumer.subscribe(fresh('other'), async () => {}), /after start/);
    await consumer.stop();
    await consumer.stop();
  });
});
