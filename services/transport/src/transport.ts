import type { Component } from '@stallscope/common';

/** One message on a topic: an OTLP request, or a dead-letter copy of one. */
export interface TransportMessage {
  key?: Buffer | undefined;
  value: Buffer;
  headers?: Record<string, string> | undefined;
}

/** A message as delivered to a consumer, with where it came from. */
export interface DeliveredMessage extends TransportMessage {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string; a sequence number in-process. */
  offset: string;
}

export interface TransportProducer extends Component {
  /** Resolves once the transport has accepted the messages (Kafka: acknowledged by all in-sync replicas). */
  send(topic: string, messages: TransportMessage[]): Promise<void>;
}

/**
 * Called with the messages of one topic-partition in order. Offsets are
 * committed only after the returned promise resolves; a rejection leaves them
 * uncommitted so the batch is delivered again (at-least-once).
 */
export type BatchHandler = (batch: DeliveredMessage[]) => Promise<void>;

export interface TransportConsumer extends Component {
  /** Registers the handler for a topic; call before start. */
  subscribe(topic: string, handler: BatchHandler): void;
}

/** Producer and consumer factories of one transport kind. */
export interface Transport {
  readonly kind: 'in-process' | 'kafka';
  createProducer(): TransportProducer;
  createConsumer(groupId: string): TransportConsumer;
}
