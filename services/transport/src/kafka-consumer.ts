import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { withLifecycle } from '@stallscope/common';
import type { KafkaClient } from './kafka-client.js';
import type { BatchHandler, DeliveredMessage, TransportConsumer } from './transport.js';
import { Subscriptions } from './subscriptions.js';

const TRANSPORT = 'kafka';

function headersToStrings(headers: IHeaders | undefined): Record<string, string> | undefined {
  const entries = Object.entries(headers ?? {}).flatMap(([name, value]) => {
    // Kafka allows a header name to repeat; the last value wins.
    const last = Array.isArray(value) ? value.at(-1) : value;
    return last === undefined ? [] : [[name, last.toString()] as const];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function toDelivered(topic: string, partition: number, message: KafkaMessage): DeliveredMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? undefined,
    value: message.value ?? Buffer.alloc(0),
    headers: headersToStrings(message.headers),
  };
}

function groupJoined(consumer: Consumer, groupId: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new Error(`kafka consumer did not join group ${groupId} within ${timeoutMs} ms`));
    }, timeoutMs);
    const removeListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}

/**
 * A consumer-group member. Offsets are committed per partition after the
 * handler resolves; a rejected batch is left unresolved, so kafkajs fetches
 * that partition from the same offset again (at-least-once).
 */
export function createKafkaConsumer(client: KafkaClient, groupId: string): TransportConsumer {
  const { config, metrics } = client;
  const logger = client.logger.child({ groupId });
  const subscriptions = new Subscriptions(groupId);
  const handlers = subscriptions.handlers;
  const consumer = client.kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: config.maxBatchBytes,
    maxWaitTimeInMs: config.fetchMaxWaitMs,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    logger.error({ err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
  });

  async function handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const { topic, partition, messages } = batch;
    const handler = handlers.get(topic);
    if (!handler || messages.length === 0 || !isRunning() || isStale()) return;
    // kafkajs heartbeats only between batches; a handler waiting out a store
    // outage would outlive the session, get the member evicted and its commit
    // refused, and the batch would replay. Heartbeat on a timer while it runs.
    const heartbeats = setInterval(() => {
      heartbeat().catch((err: unknown) => logger.warn({ err, topic, partition }, 'heartbeat during a batch failed'));
    }, config.heartbeatIntervalMs);
    try {
      try {
        await handler(messages.map((message) => toDelivered(topic, partition, message)));
      } catch (err) {
        metrics.handlerFailures.inc({ transport: TRANSPORT, topic });
        logger.warn(
          { err, topic, partition, firstOffset: batch.firstOffset(), messages: messages.length },
          'batch handler failed; the batch will be delivered again',
        );
        await sleep(config.handlerRetryBackoffMs);
        return;
      }
      const lastOffset = batch.lastOffset();
      resolveOffset(lastOffset);
      // A committed offset names the next message to read.
      const nextOffset = (BigInt(lastOffset) + 1n).toString();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      metrics.delivered.inc({ transport: TRANSPORT, topic }, messages.length);
    } finally {
      clearInterval(heartbeats);
    }
    await heartbeat();
  }

  const lifecycle = withLifecycle({
    async start() {
      subscriptions.freeze();
      const topics = [...handlers.keys()];
      if (topics.length === 0) throw new Error(`kafka consumer of group ${groupId} has no subscriptions`);
      await client.ensureTopics(topics);
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      const joined = groupJoined(consumer, groupId, config.groupJoinTimeoutMs);
      await Promise.all([
        joined,
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
          eachBatch: handleBatch,
        }),
      ]);
      logger.info({ topics }, 'kafka consumer joined its group');
    },
    async stop() {
      // Waits for the batches in flight; kafkajs leaves the group.
      await consumer.disconnect();
    },
  });

  return {
    ...lifecycle,
    subscribe(topic, handler) {
      subscriptions.add(topic, handler);
    },
  };
}
