import { counter, gauge, type Registry } from '@stallscope/common';

/** The transport metrics, shared by every producer and consumer registered into one registry. */
export function transportMetrics(registry: Registry) {
  return {
    sent: counter(registry, {
      name: 'stallscope_transport_messages_sent_total',
      help: 'Messages accepted by the transport (Kafka: acknowledged)',
      labelNames: ['transport', 'topic'],
    }),
    delivered: counter(registry, {
      name: 'stallscope_transport_messages_delivered_total',
      help: 'Messages whose consumer handler succeeded',
      labelNames: ['transport', 'topic'],
    }),
    sendRejected: counter(registry, {
      name: 'stallscope_transport_send_rejected_total',
      help: 'Messages a send rejected, by reason (queue_full, not_running, error)',
      labelNames: ['transport', 'topic', 'reason'],
    }),
    dropped: counter(registry, {
      name: 'stallscope_transport_messages_dropped_total',
      help: 'In-process transport: messages sent to a topic no consumer group reads, delivered to none, by reason (no_consumer)',
      labelNames: ['transport', 'topic', 'reason'],
    }),
    handlerFailures: counter(registry, {
      name: 'stallscope_transport_handler_failures_total',
      help: 'Consumer handler rejections; each one redelivers its batch',
      labelNames: ['transport', 'topic'],
    }),
    queued: gauge(registry, {
      name: 'stallscope_transport_queued_messages',
      help: 'In-process transport: messages held per topic, not yet handled by every group',
      labelNames: ['topic'],
    }),
  };
}

export type TransportMetrics = ReturnType<typeof transportMetrics>;
