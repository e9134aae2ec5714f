import { counter, gauge, histogram, type Registry } from '@stallscope/common';
import type { Store } from '@stallscope/store';

export type MessageOutcome = 'ingested' | 'dead_lettered' | 'insert_failed' | 'handler_failed';

/** The ingest's own Prometheus metrics. */
export function createIngestMetrics(registry: Registry) {
  return {
    messages: counter(registry, {
      name: 'stallscope_ingest_messages_total',
      help: 'Transport messages handled, by topic and outcome',
      labelNames: ['topic', 'outcome'],
    }),
    deadLetters: counter(registry, {
      name: 'stallscope_ingest_dead_letters_total',
      help: 'Messages that failed to decode and went to the dead-letter topic, by source topic',
      labelNames: ['topic'],
    }),
    rowsInserted: counter(registry, {
      name: 'stallscope_ingest_rows_inserted_total',
      help: 'Rows inserted into ClickHouse, by table',
      labelNames: ['table'],
    }),
    insertFailures: counter(registry, {
      name: 'stallscope_ingest_insert_failures_total',
      help: 'Failed batch inserts, by table',
      labelNames: ['table'],
    }),
    insertsHeld: counter(registry, {
      name: 'stallscope_ingest_inserts_held_total',
      help: 'Inserts not sent to the embedded store because its filesystem had less free space than store.minFreeBytes (retried like a failed insert: nothing committed, nothing dropped), by table',
      labelNames: ['table'],
    }),
    insertRetries: counter(registry, {
      name: 'stallscope_ingest_insert_retries_total',
      help: 'Inserts tried again after a store error (the batch waits, is never dead-lettered), by table',
      labelNames: ['table'],
    }),
    spanMessages: counter(registry, {
      name: 'stallscope_ingest_span_messages_total',
      help: 'otlp_spans messages by how their rows were made, when spans go as RowBinary: direct (protobuf straight to RowBinary, by the WebAssembly encoder or, for what it leaves, the TypeScript one) or decoded (span events, links, map or nested array attribute values, otlp_json, bad input)',
      labelNames: ['path'],
    }),
    metricMessages: counter(registry, {
      name: 'stallscope_ingest_metric_messages_total',
      help: 'otlp_metrics messages by how their rows were made, when metric points go as RowBinary: direct (protobuf straight to RowBinary: exponential histograms, sums and gauges) or decoded (other metric kinds, exemplars, map or nested array attribute values, otlp_json, bad input)',
      labelNames: ['path'],
    }),
    spanRowBuffers: counter(registry, {
      name: 'stallscope_ingest_span_row_buffers_total',
      help: 'Buffers that otlp_spans requests encoded by the WebAssembly encoder took for their rows, by source: reused (from a batch done with it) or allocated (new memory; a steady ingest allocates few)',
      labelNames: ['source'],
    }),
    metricsWithoutData: counter(registry, {
      name: 'stallscope_ingest_metrics_without_data_total',
      help: 'Metrics dropped because they carry no data kind we store (unset, or a kind newer than our OTLP .proto subset)',
    }),
    batchInsertSeconds: histogram(registry, {
      name: 'stallscope_ingest_batch_insert_seconds',
      help: 'Duration of one batch insert into ClickHouse, by table',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

/**
 * The embedded store's free disk space and its floor, read when scraped, so
 * that an alert can fire before the floor holds inserts back. Nothing is
 * exported for a server store (it reports its own disks).
 */
export function registerStoreDiskGauges(registry: Registry, store: Pick<Store, 'diskSpace'>): void {
  const space = () => {
    try {
      return store.diskSpace();
    } catch {
      // Before the store started its directory may not exist yet.
      return undefined;
    }
  };
  gauge(registry, {
    name: 'stallscope_ingest_store_free_bytes',
    help: "Free bytes on the embedded store's filesystem; inserts are held while below stallscope_ingest_store_min_free_bytes",
    collect() {
      const found = space();
      if (found) this.set(found.freeBytes);
    },
  });
  gauge(registry, {
    name: 'stallscope_ingest_store_min_free_bytes',
    help: "The embedded store's free-space floor (store.minFreeBytes)",
    collect() {
      const found = space();
      if (found) this.set(found.minFreeBytes);
    },
  });
}
