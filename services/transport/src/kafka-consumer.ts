import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { withLifecycle } from '@stallscope/common';
import { planBatch, planMetadata, planOfCommit, type BatchPlan } from './batch-plan.js';
import type { KafkaClient } from './kafka-client.js';
import type { BatchHandler, DeliveredMessage, TransportConsumer } from './transport.js';
import { Subscriptions } from './subscriptions.js';

const TRANSPORT = 'kafka';
/** The first pause before a consumer kafkajs gave up on is started again; doubled per failed start. */
const RESTART_BACKOFF_MS = 1_000;
const RESTART_BACKOFF_MAX_MS = 30_000;

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
 * that partition from the same offset again (at-least-once). A redelivered
 * batch holds the same messages as its first delivery, after a crash too (see
 * batch-plan.ts): the handler may derive idempotency tokens from its offsets.
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
  // Reads the plans other members (or this process before a crash) committed.
  const admin = client.kafka.admin();
  /** Per topic/partition: the plan of the batch handed over and not yet committed. */
  const plans = new Map<string, BatchPlan>();
  /** Partitions whose committed plan was read since the last group join. */
  const planRead = new Set<string>();
  /** Between start and stop: a consumer that crashed for good is started again. */
  let running = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  /** Restarts since the group was last joined: the backoff's exponent. */
  let failedRestarts = 0;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    logger.error({ err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
    // kafkajs restarts a consumer only after a retriable error. Others end it
    // for good, and some come from a broker that was merely slow: a
    // FindCoordinator request timing out during an outage is reported as
    // "failed to find group coordinator", which is not retriable. The ingest
    // would then sit idle beside a healthy broker until restarted by hand.
    if (!payload.restart) scheduleRestart();
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    failedRestarts = 0;
    // After a rebalance a partition may come back with another member's plan.
    planRead.clear();
  });

  const runConfig = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
    eachBatch: handleBatch,
  };

  function scheduleRestart(): void {
    if (restartTimer || !running) return;
    const delayMs = Math.min(RESTART_BACKOFF_MS * 2 ** failedRestarts, RESTART_BACKOFF_MAX_MS);
    failedRestarts += 1;
    logger.warn({ inMs: delayMs, attempt: failedRestarts }, 'kafka consumer will start again');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      restarting = restart().finally(() => (restarting = undefined));
    }, delayMs);
  }

  async function restart(): Promise<void> {
    metrics.consumerRestarts.inc({ transport: TRANSPORT, group: groupId });
    try {
      // The crash disconnected it; its subscriptions stay.
      await consumer.connect();
      // A start that fails crashes it again (CRASH), which schedules the next attempt.
      await consumer.run(runConfig);
    } catch (err) {
      logger.error({ err }, 'kafka consumer could not start again');
      scheduleRestart();
    }
  }

  async function pendingPlan(topic: string, partition: number): Promise<BatchPlan | undefined> {
    const key = `${topic}/${partition}`;
    if (!planRead.has(key)) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets?.partitions.find((entry) => entry.partition === partition);
      const plan = committed && planOfCommit(committed.offset, committed.metadata);
      if (plan) plans.set(key, plan);
      else plans.delete(key);
      planRead.add(key);
    }
    return plans.get(key);
  }

  async function handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const { topic, partition } = batch;
    const handler = handlers.get(topic);
    if (!handler || batch.messages.length === 0 || !isRunning() || isStale()) return;
    const key = `${topic}/${partition}`;
    const planned = planBatch(batch.messages, await pendingPlan(topic, partition));
    if (planned.kind === 'short') {
      logger.warn({ topic, partition, plan: planned.plan, fetchedLastOffset: batch.lastOffset() }, 'fetch ends before the batch being redelivered; fetching again');
      await sleep(config.handlerRetryBackoffMs);
      return;
    }
    const { messages, plan } = planned;
    if (planned.fresh) {
      // The committed offset stays where it is; only its metadata names the batch's end.
      // kafkajs passes metadata through to OffsetCommit; its type omits the field.
      const planCommit: TopicPartitionOffsetAndMetadata = { topic, partition, offset: plan.firstOffset, metadata: planMetadata(plan) };
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [planCommit] }] });
      plans.set(key, plan);
    }
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
          { err, topic, partition, firstOffset: plan.firstOffset, messages: messages.length },
          'batch handler failed; the batch will be delivered again',
        );
        await sleep(config.handlerRetryBackoffMs);
        return;
      }
      // The messages fetched past the plan stay unresolved: kafkajs fetches them next.
      resolveOffset(plan.lastOffset);
      // A committed offset names the next message to read; no metadata: no plan pending.
      const nextOffset = (BigInt(plan.lastOffset) + 1n).toString();
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
      plans.delete(key);
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
      await admin.connect();
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      const joined = groupJoined(consumer, groupId, config.groupJoinTimeoutMs);
      await Promise.all([joined, consumer.run(runConfig)]);
      running = true;
      logger.info({ topics }, 'kafka consumer joined its group');
    },
    async stop() {
      running = false;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      await restarting;
      // Waits for the batches in flight; kafkajs leaves the group.
      await consumer.disconnect();
      await admin.disconnect();
    },
  });

  return {
    ...lifecycle,
    subscribe(topic, handler) {
      subscriptions.add(topic, handler);
    },
  };
}
