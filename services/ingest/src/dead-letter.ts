import { DeadLetterHeaders } from '@stallscope/schemas';
import type { DeliveredMessage, TransportMessage } from '@stallscope/transport';

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
