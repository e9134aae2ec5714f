import { withLifecycle, type Logger, type Registry } from '@stallscope/common';
import type { InProcessTransportConfig } from './config.js';
import { transportMetrics } from './metrics.js';
import { Subscriptions } from './subscriptions.js';
import type {
  BatchHandler,
  DeliveredMessage,
  Transport,
  TransportConsumer,
  TransportMessage,
  TransportProducer,
} from './transport.js';

export interface InProcessTransportDeps {
  logger: Logger;
  metrics: Registry;
}

const TRANSPORT = 'in-process';
const MAX_BATCH_MESSAGES = 500;
const RETRY_BACKOFF_MS = 100;
/**
 * Offsets of a transport start at its creation time in ms times this, so a
 * restarted process never hands out an offset of an earlier run: the ingest's
 * deduplication tokens are built from offsets, and a reused one would make
 * ClickHouse drop new data as a replay. Overtaking the next run's start would
 * take over a thousand messages per millisecond of uptime.
 */
const OFFSETS_PER_MS = 1000;

/**
 * Where a consumer's delivery loop on one topic sleeps: until messages arrive,
 * or for a retry backoff that arrivals do not cut short; stop wakes both.
 */
class Waiter {
  #wake: (() => void) | undefined;
  #untilArrival = false;

  sleep(backoffMs?: number): Promise<void> {
    this.#untilArrival = backoffMs === undefined;
    return new Promise((resolve) => {
      const timer = backoffMs === undefined ? undefined : setTimeout(() => this.wake(), backoffMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  arrived(): void {
    if (this.#untilArrival) this.wake();
  }

  wake(): void {
    this.#wake?.();
  }
}

/**
 * One topic: a single partition whose messages are held until every consumer
 * group that ever consumed it has handled them, like offsets committed in Kafka.
 */
class TopicQueue {
  readonly messages: DeliveredMessage[] = [];
  /** Per consumer group, the offset of the next message to deliver. */
  readonly groupOffsets = new Map<string, number>();
  readonly runningGroups = new Set<string>();
  readonly waiters = new Set<Waiter>();

  constructor(
    readonly name: string,
    public nextOffset: number,
  ) {}

  /** Whether a consumer group ever subscribed to this topic. */
  get hasConsumers(): boolean {
    return this.runningGroups.size > 0 || this.groupOffsets.size > 0;
  }

  get firstOffset(): number {
    return this.nextOffset - this.messages.length;
  }

  append(messages: TransportMessage[]): void {
    for (const { key, value, headers } of messages) {
      const offset = String(this.nextOffset++);
      this.messages.push({ key, value, headers: headers && { ...headers }, topic: this.name, partition: 0, offset });
    }
    for (const waiter of this.waiters) waiter.arrived();
  }

  read(fromOffset: number, maxMessages: number): DeliveredMessage[] {
    const start = fromOffset - this.firstOffset;
    return this.messages.slice(start, start + maxMessages);
  }

  /** A group new to the topic starts at the oldest held message. */
  offsetOf(groupId: string): number {
    return this.groupOffsets.get(groupId) ?? this.firstOffset;
  }

  commit(groupId: string, nextOffset: number): void {
    this.groupOffsets.set(groupId, nextOffset);
    const handledByAll = Math.min(...this.groupOffsets.values()) - this.firstOffset;
    if (handledByAll > 0) this.messages.splice(0, handledByAll);
  }
}

/**
 * The all-in-one transport: bounded per-topic queues in this process, with
 * Kafka's delivery contract (once per group, in order, redelivery until the
 * handler succeeds). Consumer offsets live as long as the transport. Messages
 * sent before any consumer started are held; once one has, messages of a
 * topic no consumer group subscribed to are delivered to none: dropped and
 * counted, never held.
 */
export function createInProcessTransport(config: InProcessTransportConfig, deps: InProcessTransportDeps): Transport {
  const logger = deps.logger.child({ component: 'transport', transport: TRANSPORT });
  const metrics = transportMetrics(deps.metrics);
  const topics = new Map<string, TopicQueue>();
  const firstOffset = Date.now() * OFFSETS_PER_MS;
  /** Set when the first consumer starts: from then on, the topics with a reader are known. */
  let consuming = false;

  function topicQueue(name: string): TopicQueue {
    let queue = topics.get(name);
    if (!queue) {
      queue = new TopicQueue(name, firstOffset);
      topics.set(name, queue);
    }
    return queue;
  }

  function createProducer(): TransportProducer {
    let running = false;
    const lifecycle = withLifecycle({
      async start() {
        running = true;
      },
      async stop() {
        running = false;
      },
    });
    return {
      ...lifecycle,
      async send(topic, messages) {
        if (!running) {
          metrics.sendRejected.inc({ transport: TRANSPORT, topic, reason: 'not_running' }, messages.length);
          throw new Error(`in-process producer is not running; cannot send to ${topic}`);
        }
        if (messages.length === 0) return;
        const queue = topicQueue(topic);
        if (consuming && !queue.hasConsumers) {
          // Consumers subscribe when they start, downstream first; a topic none
          // of them reads would only fill up and then reject every send (a
          // dead-letter topic in all-in-one mode jammed its senders that way).
          metrics.dropped.inc({ transport: TRANSPORT, topic, reason: 'no_consumer' }, messages.length);
          return;
        }
        if (queue.messages.length + messages.length > config.maxQueuedMessages) {
          metrics.sendRejected.inc({ transport: TRANSPORT, topic, reason: 'queue_full' }, messages.length);
          throw new Error(
            `in-process queue of topic ${topic} is full (${queue.messages.length} of ${config.maxQueuedMessages} messages held); ` +
              `rejected ${messages.length} messages until consumers catch up`,
          );
        }
        queue.append(messages);
        metrics.sent.inc({ transport: TRANSPORT, topic }, messages.length);
        metrics.queued.set({ topic }, queue.messages.length);
      },
    };
  }

  function createConsumer(groupId: string): TransportConsumer {
    const consumerLogger = logger.child({ groupId });
    const subscriptions = new Subscriptions(groupId);
    const handlers = subscriptions.handlers;
    const loops: Promise<void>[] = [];
    const waiters: Waiter[] = [];
    let stopping = false;

    async function deliver(queue: TopicQueue, handler: BatchHandler, waiter: Waiter): Promise<void> {
      let nextOffset = queue.offsetOf(groupId);
      while (!stopping) {
        const batch = queue.read(nextOffset, MAX_BATCH_MESSAGES);
        if (batch.length === 0) {
          await waiter.sleep();
          continue;
        }
        try {
          await handler(batch);
        } catch (err) {
          metrics.handlerFailures.inc({ transport: TRANSPORT, topic: queue.name });
          consumerLogger.warn(
            { err, topic: queue.name, firstOffset: batch[0]?.offset, messages: batch.length },
            'batch handler failed; the batch will be delivered again',
          );
          await waiter.sleep(RETRY_BACKOFF_MS);
          continue;
        }
        nextOffset += batch.length;
        queue.commit(groupId, nextOffset);
        metrics.delivered.inc({ transport: TRANSPORT, topic: queue.name }, batch.length);
        metrics.queued.set({ topic: queue.name }, queue.messages.length);
      }
    }

    const lifecycle = withLifecycle({
      async start() {
        subscriptions.freeze();
        const registrations = [...handlers].map(([topic, handler]) => ({ queue: topicQueue(topic), handler }));
        const busy = registrations.find(({ queue }) => queue.runningGroups.has(groupId));
        if (busy) {
          throw new Error(`in-process transport: group ${groupId} already has a running consumer on topic ${busy.queue.name}`);
        }
        consuming = true;
        for (const { queue, handler } of registrations) {
          const waiter = new Waiter();
          queue.runningGroups.add(groupId);
          queue.waiters.add(waiter);
          waiters.push(waiter);
          loops.push(
            deliver(queue, handler, waiter).finally(() => {
              queue.waiters.delete(waiter);
              queue.runningGroups.delete(groupId);
            }),
          );
        }
      },
      async stop() {
        stopping = true;
        for (const waiter of waiters) waiter.wake();
        // Waits for handlers in flight; their batches are committed if they succeed.
        await Promise.all(loops);
      },
    });

    return {
      ...lifecycle,
      subscribe(topic, handler) {
        subscriptions.add(topic, handler);
      },
    };
  }

  return { kind: 'in-process', createProducer, createConsumer };
}
