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
    consumerRestarts: counter(registry, {
      name: 'stallscope_transport_consumer_restarts_total',
      help: 'Kafka consumers started again after a crash the client would not recover from (a non-retriable error), by group',
      labelNames: ['transport', 'group'],
    }),
    producerRenewals: counter(registry, {
      name: 'stallscope_transport_producer_renewals_total',
      help: 'Kafka producers replaced after a failed send, so that the next send has a new producer id and sequence numbers of its own',
      labelNames: ['transport'],
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
