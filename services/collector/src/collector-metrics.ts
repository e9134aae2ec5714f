import { counter, gauge, type Registry } from '@stallscope/common';

/** Why a request was refused whole; the label of stallscope_collector_refused_total. */
export type RefusalReason =
  | 'unauthenticated'
  | 'unsupported_media_type'
  | 'too_large'
  | 'malformed'
  | 'in_flight_limit'
  | 'transport_error';

/** The collector's own Prometheus metrics. */
export function createCollectorMetrics(registry: Registry) {
  return {
    refused: counter<'signal' | 'reason'>(registry, {
      name: 'stallscope_collector_refused_total',
      help: 'Export requests refused whole (none of their items produced), by signal and reason',
      labelNames: ['signal', 'reason'],
    }),
    acceptedItems: counter<'signal'>(registry, {
      name: 'stallscope_collector_accepted_items_total',
      help: 'Spans, metric data points and log records produced to the transport, by signal',
      labelNames: ['signal'],
    }),
    rejectedItems: counter<'signal'>(registry, {
      name: 'stallscope_collector_rejected_items_total',
      help: 'Items left out of accepted requests (reported back through partial_success), by signal',
      labelNames: ['signal'],
    }),
    inFlightBytes: gauge(registry, {
      name: 'stallscope_collector_in_flight_bytes',
      help: 'Request bytes held until the transport accepts them',
    }),
  };
}
export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

/** A refused request, counted once where the receivers answer it. */
export class ExportRefusal extends Error {
  override name = 'ExportRefusal';
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

