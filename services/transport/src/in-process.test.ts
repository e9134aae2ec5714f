import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Registry } from '@stallscope/common';
import { createInProcessTransport } from './in-process.js';
import type { DeliveredMessage, TransportMessage } from './transport.js';

function setup(maxQueuedMessages = 100) {
  const metrics = new Registry();
  const transport = createInProcessTransport({ maxQueuedMessages }, { logger: createLogger('silent'), metrics });
  return { transport, metrics };
}

function messages(from: number, count: number): TransportMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`k${from + i}`),
    value: Buffer.from(`m${from + i}`),
    headers: { seq: String(from + i) },
  }));
}

const values = (batch: DeliveredMessage[]) => batch.map((message) => message.value.toString());

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} registered`);
  const { values: samples } = await metric.get();
  const sample = samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value ?? 0;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('in-process transport', () => {
  test('delivers in order with offsets, headers and keys, once per group', async () => {
    const { transport, metrics } = setup();
    const producer = transport.createProducer();
    await producer.start();
    const received = new Map<string, DeliveredMessage[]>();
    const consumers = ['ingest', 'audit'].map((group) => {
      const consumer = transport.createConsumer(group);
      received.set(group, []);
      consumer.subscribe('otlp_spans', async (batch) => void received.get(group)!.push(...batch));
      return consumer;
    });
    await Promise.all(consumers.map((consumer) => consumer.start()));
    await producer.send('otlp_spans', messages(0, 3));
    await producer.send('otlp_spans', messages(3, 2));
    await until(() => [...received.values()].every((batch) => batch.length === 5), 'both groups to receive 5');

    for (const batch of received.values()) {
      assert.deepEqual(values(batch), ['m0', 'm1', 'm2', 'm3', 'm4']);
      const firstOffset = Number(batch[0]!.offset);
      assert.deepEqual(batch.map((m) => Number(m.offset) - firstOffset), [0, 1, 2, 3, 4]);
      assert.deepEqual(batch[4], {
        key: Buffer.from('k4'),
        value: Buffer.from('m4'),
        headers: { seq: '4' },
        topic: 'otlp_spans',
        partition: 0,
        offset: String(firstOffset + 4),
      });
    }
    await sleep(20);
    assert.equal(received.get('ingest')!.length, 5, 'no message twice');
    assert.equal(await metricValue(metrics, 'stallscope_transport_messages_sent_total', { topic: 'otlp_spans' }), 5);
    assert.equal(await metricValue(metrics, 'stallscope_transport_messages_delivered_total', { topic: 'otlp_spans' }), 10);
    await Promise.all([producer.stop(), ...consumers.map((consumer) => consumer.stop())]);
  });

  test('offsets continue past those of an earlier transport, so a restart never reuses one', async () => {
    const offsetOfFirstMessage = async () => {
      const { transport } = setup();
      const producer = transport.createProducer();
      const consumer = transport.createConsumer('ingest');
      let offset: string | undefined;
      consumer.subscribe('otlp_spans', async (batch) => void (offset ??= batch[0]?.offset));
      await producer.start();
      await consumer.start();
      await producer.send('otlp_spans', messages(0, 3));
      await until(() => offset !== undefined, 'a delivery');
      await Promise.all([producer.stop(), consumer.stop()]);
      return BigInt(offset!);
    };
    const earlier = await offsetOfFirstMessage();
    await sleep(2);
    assert.ok((await offsetOfFirstMessage()) > earlier + 3n);
  });

  test('once consumers run, drops (and counts) messages of a topic no group reads instead of holding them', async () => {
    const { transport, metrics } = setup(3);
    const producer = transport.createProducer();
    await producer.start();
    const consumer = transport.createConsumer('ingest');
    const received: string[] = [];
    consumer.subscribe('otlp_spans', async (batch) => void received.push(...values(batch)));
    await consumer.start();
    for (let round = 0; round < 5; round += 1) await producer.send('stallscope_dlq', messages(round * 3, 3));
    assert.equal(
      await metricValue(metrics, 'stallscope_transport_messages_dropped_total', { topic: 'stallscope_dlq', reason: 'no_consumer' }),
      15,
    );
    assert.equal(await metricValue(metrics, 'stallscope_transport_queued_messages', { topic: 'stallscope_dlq' }), 0);
    await producer.send('otlp_spans', messages(0, 3));
    await until(() => received.length === 3, 'the read topic still delivered');
    await Promise.all([producer.stop(), consumer.stop()]);
  });

  test('keeps messages sent before a consumer starts and delivers them on start', async () => {
    const { transport } = setup();
    const producer = transport.createProducer();
    await producer.start();
    await producer.send('otlp_metrics', messages(0, 4));
    const batches: DeliveredMessage[][] = [];
    const consumer = transport.createConsumer('ingest');
    consumer.subscribe('otlp_metrics', async (batch) => void batches.push(batch));
    await consumer.start();
    await until(() => batches.length === 1, 'the held messages');
    assert.deepEqual(values(batches[0]!), ['m0', 'm1', 'm2', 'm3']);
    await consumer.stop();
    await producer.stop();
  });

  test('rejects a send that would exceed the bound, and accepts again once consumers catch up', async () => {
    const { transport, metrics } = setup(3);
    const producer = transport.createProducer();
    await producer.start();
    await producer.send('t', messages(0, 3));
    await assert.rejects(producer.send('t', messages(3, 1)), /queue of topic t is full \(3 of 3 messages held\)/);
    assert.equal(
      await metricValue(metrics, 'stallscope_transport_send_rejected_total', { topic: 't', reason: 'queue_full' }),
      1,
    );
    await producer.send('other', messages(0, 3)); // the bound is per topic

    const received: string[] = [];
    const consumer = transport.createConsumer('ingest');
    consumer.subscribe('t', async (batch) => void received.push(...values(batch)));
    await consumer.start();
    await until(() => received.length === 3, 'the queue to drain');
    await producer.send('t', messages(3, 3));
    await until(() => received.length === 6, 'the next messages');
    assert.deepEqual(received, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    await consumer.stop();
    await producer.stop();
  });

  test('redelivers the same batch after the handler rejects', async () => {
    const { transport, metrics } = setup();
    const producer = transport.createProducer();
    await producer.start();
    await producer.send('t', messages(0, 3));
    const calls: DeliveredMessage[][] = [];
    const consumer = transport.createConsumer('ingest');
    consumer.subscribe('t', async (batch) => {
      calls.push(batch);
      if (calls.length === 1) throw new Error('store unavailable');
    });
    await consumer.start();
    await until(() => calls.length === 2, 'the redelivery');
    assert.deepEqual(calls[1], calls[0]);
    assert.equal(await metricValue(metrics, 'stallscope_transport_handler_failures_total', { topic: 't' }), 1);
    assert.equal(await metricValue(metrics, 'stallscope_transport_messages_delivered_total', { topic: 't' }), 3);
    await consumer.stop();
    await producer.stop();
  });

  test('calls the handler with the next batch only after the previous one resolved', async () => {
    const { transport } = setup();
    const producer = transport.createProducer();
    await producer.start();
    const gate = deferred();
    const calls: string[][] = [];
    const consumer = transport.createConsumer('ingest');
    consumer.subscribe('t', async (batch) => {
      calls.push(values(batch));
      if (calls.length === 1) await gate.promise;
    });
    await consumer.start();
    await producer.send('t', messages(0, 1));
    await until(() => calls.length === 1, 'the first batch');
    await producer.send('t', messages(1, 2));
    await producer.send('t', messages(3, 1));
    await sleep(20);
    assert.equal(calls.length, 1, 'no second call while the first is in flight');
    gate.resolve();
    await until(() => calls.length === 2, 'the second batch');
    assert.deepEqual(calls, [['m0'], ['m1', 'm2', 'm3']]);
    await consumer.stop();
    await producer.stop();
  });

  test('a consumer restarted in the same group resumes after what was handled', async () => {
    const { transport } = setup();
    const producer = transport.createProducer();
    await producer.start();
    await producer.send('t', messages(0, 2));
    const first: string[] = [];
    const consumer1 = transport.createConsumer('ingest');
    consumer1.subscribe('t', async (batch) => void first.push(...values(batch)));
    await consumer1.start();
    await until(() => first.length === 2, 'the first consumer');
    await consumer1.stop();

    await producer.send('t', messages(2, 1));
    const second: string[] = [];
    const consumer2 = transport.createConsumer('ingest');
    consumer2.subscribe('t', async (batch) => void second.push(...values(batch)));
    await consumer2.start();
    await until(() => second.length === 1, 'the second consumer');
    await sleep(20);
    assert.deepEqual(second, ['m2']);
    await consumer2.stop();
    await producer.stop();
  });

  test('one running consumer per group and topic', async () => {
    const { transport } = setup();
    const consumer1 = transport.createConsumer('ingest');
    consumer1.subscribe('t', async () => {});
    await consumer1.start();
    const consumer2 = transport.createConsumer('ingest');
    consumer2.subscribe('t', async () => {});
    await assert.rejects(consumer2.start(), /group ingest already has a running consumer on topic t/);
    await consumer2.stop();
    await consumer1.stop();
  });

  test('stop waits for the handler in flight and commits its batch', async () => {
    const { transport } = setup();
    const producer = transport.createProducer();
    await producer.start();
    const gate = deferred();
    let calls = 0;
    const consumer = transport.createConsumer('ingest');
    consumer.subscribe('t', async () => {
      calls += 1;
      await gate.promise;
    });
    await consumer.start();
    await producer.send('t', messages(0, 1));
    await until(() => calls === 1, 'the handler to run');
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await sleep(20);
    assert.equal(stopped, false, 'stop waits for the handler');
    gate.resolve();
    await stopping;

    const after: string[] = [];
    const next = transport.createConsumer('ingest');
    next.subscribe('t', async (batch) => void after.push(...values(batch)));
    await next.start();
    await sleep(20);
    assert.deepEqual(after, [], 'the batch handled during stop was committed');
    await next.stop();
    await producer.stop();
  });

  test('lifecycle: stop before start, start and stop twice, use outside start..stop', async () => {
    const { transport } = setup();
    const unused = transport.createConsumer('ingest');
    await unused.stop();
    await unused.stop();

    const producer = transport.createProducer();
    await assert.rejects(producer.send('t', messages(0, 1)), /producer is not running/);
    await producer.start();
    await producer.start();
    await producer.stop();
    await producer.stop();
    await assert.rejects(producer.send('t', messages(0, 1)), /producer is not running/);
    await assert.rejects(producer.start(), /was stopped/);

    const consumer = transport.createConsumer('ingest');
    consumer.subscribe('t', async () => {});
    assert.throws(() => consumer.subscribe('t', async () => {}), /already subscribed to t/);
    await consumer.start();
    await consumer.start();
    assert.throws(() => consumer.subscribe('u', async () => {}), /after start/);
    await consumer.stop();
    await consumer.stop();
  });
});
