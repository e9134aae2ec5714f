// The producer's contract with kafkajs, over a stand-in for kafkajs's producer
// (the real broker is in integration-tests/src/kafka-transport.test.ts):
// kafkajs's retries of one request are exactly-once only when that request
// holds one partition and no other request to that partition overlaps it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, ProducerRecord } from 'kafkajs';
import { createLogger, Registry } from '@stallscope/common';
import { kafkaTransportConfigDefaults } from './config.js';
import type { KafkaClient } from './kafka-client.js';
import { createKafkaProducer } from './kafka-producer.js';
import { transportMetrics } from './metrics.js';
import type { TransportMessage } from './transport.js';

const PARTITIONS = 6;

interface Call {
  /** Which kafkajs producer made the request, in order of creation. */
  producer: number;
  record: ProducerRecord;
  released: boolean;
  release: (error?: Error) => void;
}

function setup() {
  const calls: Call[] = [];
  let started = 0;
  const inFlight = new Map<number, number>();
  let overlapping = 0;
  const disconnected: number[] = [];
  let made = 0;
  const fakeProducer = (producer: number) => ({
    connect: async () => {},
    disconnect: async () => void disconnected.push(producer),
    send: (record: ProducerRecord) =>
      new Promise((resolve, reject) => {
        started += 1;
        const partition = record.messages[0]?.partition ?? -1;
        inFlight.set(partition, (inFlight.get(partition) ?? 0) + 1);
        if (inFlight.get(partition)! > 1) overlapping += 1;
        const call: Call = {
          producer,
          record,
          released: false,
          release: (error) => {
            if (call.released) return;
            call.released = true;
            inFlight.set(partition, inFlight.get(partition)! - 1);
            if (error) reject(error);
            else resolve([]);
          },
        };
        calls.push(call);
      }),
  });
  const registry = new Registry();
  const client: KafkaClient = {
    kafka: { producer: () => fakeProducer(made++) } as unknown as Kafka,
    config: { ...kafkaTransportConfigDefaults, topics: [] },
    logger: createLogger('silent'),
    metrics: transportMetrics(registry),
    ensureTopics: async () => {},
    partitionCount: async () => PARTITIONS,
  };
  return {
    producer: createKafkaProducer(client),
    calls,
    registry,
    started: () => started,
    overlapping: () => overlapping,
    made: () => made,
    disconnected,
  };
}

const keyed = (keys: string[]): TransportMessage[] => keys.map((key) => ({ key: Buffer.from(key), value: Buffer.from(`value-${key}`) }));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const { values } = await registry.getSingleMetric(name)!.get();
  return values.find((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value ?? 0;
}

test('a send over several partitions reaches kafkajs as one request per partition, each message with its partition set', async () => {
  const { producer, calls } = setup();
  await producer.start();
  const messages = keyed(Array.from({ length: 24 }, (_, i) => `trace-${i}`));
  const sending = producer.send('otlp_spans', messages);
  await until(() => calls.length > 0, 'the first request');
  await sleep(5);
  for (const call of calls) call.release();
  await sending;
  assert.ok(calls.length > 1, `24 keys make requests to several partitions (${calls.length})`);
  const partitionsOfCalls = calls.map(({ record }) => new Set(record.messages.map((message) => message.partition)));
  for (const partitions of partitionsOfCalls) {
    assert.equal(partitions.size, 1, 'one partition per request');
    assert.ok([...partitions][0] !== undefined, 'the partition is set, not left to kafkajs');
  }
  assert.equal(new Set(partitionsOfCalls.map((partitions) => [...partitions][0])).size, calls.length, 'no partition twice');
  const sent = calls.flatMap(({ record }) => record.messages.map((message) => message.value!.toString())).sort();
  assert.deepEqual(sent, messages.map((message) => message.value.toString()).sort(), 'every message once');
  for (const { record } of calls) assert.equal(record.acks, -1);
  await producer.stop();
});

test('a request to a partition starts only once the one before it to that partition settled; other partitions go meanwhile', async () => {
  const { producer, calls, overlapping } = setup();
  await producer.start();
  const isSame = ({ record }: Call) => record.messages[0]!.key?.toString() === 'same';
  const first = producer.send('otlp_spans', keyed(['same']));
  const second = producer.send('otlp_spans', keyed(['same']));
  // Unkeyed sends take the next partition each: of two, one is not the keyed one's.
  const elsewhere = [producer.send('otlp_spans', [{ value: Buffer.from('u1') }]), producer.send('otlp_spans', [{ value: Buffer.from('u2') }])];
  const samePartition = () => calls.find(isSame)?.record.messages[0]!.partition;
  await until(() => calls.some((call) => !isSame(call) && call.record.messages[0]!.partition !== samePartition()), 'a request to another partition');
  await sleep(10);
  assert.equal(calls.filter(isSame).length, 1, 'the second request to the partition waits for the first');
  calls.find(isSame)!.release(new Error('NOT_LEADER_OR_FOLLOWER'));
  await assert.rejects(first, /NOT_LEADER/);
  await until(() => calls.filter(isSame).length === 2, 'the second request');
  let settled = false;
  const all = Promise.all([second, ...elsewhere]).finally(() => {
    settled = true;
  });
  while (!settled) {
    for (const call of calls) call.release();
    await sleep(1);
  }
  await all;
  assert.equal(overlapping(), 0, 'never two requests to one partition at once');
  await producer.stop();
});

test('a partition refused: the send rejects once the others settled, and the metrics count each partition as it went', async () => {
  const { producer, calls, registry } = setup();
  await producer.start();
  const messages = keyed(Array.from({ length: 24 }, (_, i) => `k-${i}`));
  let settled = false;
  const sending = producer.send('otlp_metrics', messages).finally(() => {
    settled = true;
  });
  await until(() => calls.length > 1, 'the requests');
  await sleep(5);
  const [refused, ...accepted] = calls;
  refused!.release(new Error('broker down'));
  await sleep(5);
  assert.equal(settled, false, 'still waiting for the other partitions');
  for (const call of accepted) call.release();
  await assert.rejects(sending, /broker down/);
  assert.equal(await metricValue(registry, 'stallscope_transport_send_rejected_total', { topic: 'otlp_metrics', reason: 'error' }), refused!.record.messages.length);
  assert.equal(await metricValue(registry, 'stallscope_transport_messages_sent_total', { topic: 'otlp_metrics' }), messages.length - refused!.record.messages.length);
  await producer.stop();
});

test('a failed request retires its kafkajs producer: later requests get a new one (a new producer id), the old one disconnects once its requests settle', async () => {
  const { producer, calls, registry, made, disconnected } = setup();
  await producer.start();
  const isKey = (key: string) => (call: Call) => call.record.messages[0]!.key?.toString() === key;
  const failing = producer.send('otlp_spans', keyed(['same']));
  // A key, not an unkeyed send: unkeyed sends start at a random partition, which can be the failing one's,
  // and a request queued behind the failing one would hold up the next request to it.
  const other = producer.send('otlp_spans', keyed(['other']));
  await until(() => calls.some(isKey('same')) && calls.some(isKey('other')), 'both requests');
  const partitionOf = (key: string) => calls.find(isKey(key))!.record.messages[0]!.partition;
  assert.notEqual(partitionOf('other'), partitionOf('same'), 'the other request is to another partition');
  calls.find(isKey('same'))!.release(new Error('connection reset'));
  await assert.rejects(failing, /connection reset/);
  await sleep(5);
  assert.deepEqual(disconnected, [], 'the retired producer stays connected while requests of its own are in flight');
  const next = producer.send('otlp_spans', keyed(['same']));
  await until(() => calls.filter(isKey('same')).length === 2, 'the next request to the partition');
  assert.equal(calls.filter(isKey('same'))[1]!.producer, 1, 'the next request goes through a new producer');
  assert.equal(made(), 2);
  for (const call of calls) call.release();
  await Promise.all([next, other]);
  await until(() => disconnected.length === 1, 'the retired producer to disconnect');
  assert.deepEqual(disconnected, [0]);
  assert.equal(await metricValue(registry, 'stallscope_transport_producer_renewals_total', { transport: 'kafka' }), 1);
  await producer.stop();
  assert.deepEqual(disconnected, [0, 1], 'stop disconnects the current producer');
});
