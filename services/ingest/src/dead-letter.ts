import { DeadLetterHeaders } from '@stallscope/schemas';
import type { DeliveredMessage, TransportMessage } from '@stallscope/transport';
import { uint64Text } from './clickhouse-values.js';

/**
 * The dead-letter copy of a message that cannot be ingested: value and key
 * unchanged, its own headers kept, plus headers naming where it came from and
 * why it failed, so it can be inspected and replayed.
 */
export function deadLetterMessage(message: DeliveredMessage, error: Error): TransportMessage {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DeadLetterHeaders.error]: error.message,
      [DeadLetterHeaders.sourceTopic]: message.topic,
      [DeadLetterHeaders.sourcePartition]: String(message.partition),
      [DeadLetterHeaders.sourceOffset]: message.offset,
    },
  };
}

/** One row of stallscope_dead_letters (schemas/migrations/0005_stallscope_dead_letters.sql). */
export interface DeadLetterRow {
  /** DateTime64(3) as "<seconds>.<milliseconds>". */
  Timestamp: string;
  SourceTopic: string;
  SourcePartition: number;
  SourceOffset: string;
  Error: string;
  Headers: Record<string, string>;
  PayloadBase64: string;
}

export function deadLetterRow(message: DeliveredMessage, error: Error, nowMs: number): DeadLetterRow {
  return {
    Timestamp: (nowMs / 1000).toFixed(3),
    SourceTopic: message.topic,
    SourcePartition: message.partition,
    SourceOffset: uint64Text(BigInt(message.offset)),
    Error: error.message,
    Headers: { ...message.headers },
    PayloadBase64: message.value.toString('base64'),
  };
}
