// Test doubles of the transport interface. Imported by tests only.
import type { BatchHandler, DeliveredMessage, TransportConsumer, TransportMessage, TransportProducer } from '@stallscope/transport';

export interface FakeConsumer extends TransportConsumer {
  readonly started: boolean;
  readonly stopped: boolean;
  /** Hands one batch of one topic-partition to its handler, as the transport would. */
  deliver(topic: string, messages: TransportMessage[], firstOffset?: number): Promise<void>;
}

export function fakeConsumer(): FakeConsumer {
  const handlers = new Map<string, BatchHandler>();
  let started = false;
  let stopped = false;
  return {
    get started() {
      return started;
    },
    get stopped() {
      return stopped;
    },
    subscribe(topic, handler) {
      if (started) throw new Error('subscribe after start');
      handlers.set(topic, handler);
    },
    async start() {
      started = true;
    },
    async stop() {
      stopped = true;
    },
    deliver(topic, messages, firstOffset = 0) {
      const handler = handlers.get(topic);
      if (!handler) throw new Error(`no handler subscribed to ${topic}`);
      const batch: DeliveredMessage[] = messages.map((message, index) => ({
        ...message,
        topic,
        partition: 0,
        offset: String(firstOffset + index),
      }));
      return handler(batch);
    },
  };
}

export interface FakeProducer extends TransportProducer {
  readonly sent: { topic: string; messages: TransportMessage[] }[];
  readonly started: boolean;
  readonly stopped: boolean;
}

export function fakeProducer(): FakeProducer {
  const sent: { topic: string; messages: TransportMessage[] }[] = [];
  let started = false;
  let stopped = false;
  return {
    sent,
    get started() {
      return started;
    },
    get stopped() {
      return stopped;
    },
    async start() {
      started = true;
    },
    async stop() {
      stopped = true;
    },
    async send(topic, messages) {
      if (!started || stopped) throw new Error('producer not running');
      sent.push({ topic, messages });
    },
  };
}
