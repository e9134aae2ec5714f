import { settleAll, withLifecycle, type Component, type Logger, type Registry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { TransportConsumer, TransportProducer } from '@stallscope/transport';
import { createBatchHandler } from './batch-handler.js';
import { clickHouseInsert } from './clickhouse-insert.js';
import type { IngestConfig } from './config.js';
import type { DeadLetter } from './batch-handler.js';
import { deadLetterMessage, deadLetterRow } from './dead-letter.js';
import { createIngestMetrics, registerStoreDiskGauges } from './ingest-metrics.js';
import { tracedInsert } from './ingest-tracing.js';
import { planInserts } from './insert-plan.js';
import { retryingInsert } from './insert-retry.js';
import { INGEST_TOPICS, rowsOfMessage, type IngestTopic, type MessageToRows } from './message-rows.js';
import { storedColumns } from './row-binary-insert.js';
import { encodeTraceRows, traceRowLayout, wasmTraceRowsUnavailable, type TraceRowLayout } from './trace-row-binary.js';
import { RowBufferPool } from './row-buffer-pool.js';
import { EncodedRow } from './row-binary.js';
import { Tables, type TableName } from './rows.js';

/** How soon a store that did not say how otel_traces is laid out is asked again. */
const LAYOUT_RETRY_MS = 1000;
/**
 * The most an ingest keeps of span rows' buffers between batches: about what
 * the batches of 8 MiB fetches from three partitions hold at once (an agent
 * span's row is ~1.7 times its otlp_proto), so that a drain reuses them all.
 */
const ROW_BUFFER_POOL_BYTES = 64 * 1024 * 1024;

/** The buffers under a batch's encoded rows, each once. */
function rowBuffers(rowsByTable: ReadonlyMap<TableName, readonly object[]>): Set<ArrayBufferLike> {
  const buffers = new Set<ArrayBufferLike>();
  for (const rows of rowsByTable.values()) {
    for (const row of rows) if (row instanceof EncodedRow) buffers.add(row.bytes.buffer);
  }
  return buffers;
}

export interface IngestDeps {
  logger: Logger;
  metrics: Registry;
  /** Started before the ingest (the launcher's dependency order). */
  store: Store;
  /** Owned by the ingest: subscribed and started by its start, stopped by its stop. */
  consumer: TransportConsumer;
  /**
   * With Kafka: also carries dead letters to Topics.deadLetter, for consumers
   * other than us. The caller starts it before the ingest and stops it after,
   * so dead letters of the last batches still go out. Absent in all-in-one
   * mode, where the stallscope_dead_letters table is their only sink.
   */
  deadLetter?: TransportProducer | undefined;
}

/**
 * The ingest: OTLP requests (otlp_proto or otlp_json) from the spans, metrics
 * and logs topics -> rows of the Collector-compatible ClickHouse tables. A batch's offsets may be committed
 * once its handler resolves, which is after its rows are inserted and its
 * undecodable messages are recorded as dead letters (at-least-once); every
 * insert carries a deduplication token, so a redelivered batch changes nothing.
 */
export function createIngest(config: IngestConfig, deps: IngestDeps): Component {
  const logger = deps.logger.child({ component: 'ingest' });
  const metrics = createIngestMetrics(deps.metrics);
  if (deps.store.kind === 'chdb') registerStoreDiskGauges(deps.metrics, deps.store);
  const stopping = new AbortController();
  const spanRowBuffers = new RowBufferPool(ROW_BUFFER_POOL_BYTES, (reused) => metrics.spanRowBuffers.inc({ source: reused ? 'reused' : 'allocated' }));
  const takeSpanRowBuffer = (length: number) => spanRowBuffers.take(length);
  // One span per planned insert, its retries inside it.
  const insert = tracedInsert(retryingInsert(clickHouseInsert(config.insertFormat, { store: deps.store, metrics, logger }), {
    initialBackoffMs: config.insertRetryInitialBackoffMs,
    maxBackoffMs: config.insertRetryMaxBackoffMs,
    signal: stopping.signal,
    metrics,
    logger,
  }));

  /** Into the table in every mode (under the batch's token, so a replay adds none), and onto the topic with Kafka. */
  async function writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    const batch = letters.map(({ message }) => message);
    const nowMs = Date.now();
    const rows = letters.map(({ message, error }) => deadLetterRow(message, error, nowMs));
    await settleAll([
      ...planInserts(batch, Tables.deadLetters, rows, config.batchMaxRows).map(insert),
      deps.deadLetter?.send(
        Topics.deadLetter,
        letters.map(({ message, error }) => deadLetterMessage(message, error)),
      ) ?? Promise.resolve(),
    ]);
  }

  /**
   * The spans topic's rows: straight from protobuf to RowBinary when spans go
   * as RowBinary into an otel_traces the encoder can write; decoded otherwise,
   * and for each request the encoder does not take. A store that does not say
   * how otel_traces is laid out at start (a server not up yet) has spans
   * decoded first, and is asked again at most every LAYOUT_RETRY_MS.
   */
  async function spanMessageRows(): Promise<MessageToRows> {
    const decoded = rowsOfMessage[Topics.spans];
    if (!config.directSpanRows || config.insertFormat !== 'RowBinary') return decoded;
    let layout: TraceRowLayout | undefined;
    let unsupported = false;
    let asking: Promise<void> | undefined;
    let askAgainAtMs = 0;
    const askLayout = (): Promise<void> =>
      (asking ??= storedColumns(deps.store.client, Tables.traces)
        .then(
          (columns) => {
            const found = traceRowLayout(columns);
            if ('unsupported' in found) {
              unsupported = true;
              logger.info({ reason: found.unsupported }, 'spans are decoded before they are encoded');
            } else layout = found;
          },
          (err: unknown) => {
            askAgainAtMs = Date.now() + LAYOUT_RETRY_MS;
            logger.warn({ err, retryInMs: LAYOUT_RETRY_MS }, 'the store did not say how otel_traces is laid out: spans are decoded before they are encoded until it does');
          },
        )
        .finally(() => (asking = undefined)));
    await askLayout();
    if (wasmTraceRowsUnavailable) logger.warn({ reason: wasmTraceRowsUnavailable }, 'spans are encoded in JavaScript only, at about twice the CPU');
    return (payload) => {
      if (unsupported) return decoded(payload);
      if (!layout && !asking && Date.now() >= askAgainAtMs) void askLayout();
      const rows = layout ? encodeTraceRows(payload, layout, takeSpanRowBuffer) : undefined;
      metrics.spanMessages.inc({ path: rows ? 'direct' : 'decoded' });
      return rows ? { rowsByTable: new Map([[Tables.traces, rows]]), metricsWithoutData: 0 } : decoded(payload);
    };
  }

  function subscribe(topic: IngestTopic, toRows: MessageToRows): void {
    deps.consumer.subscribe(
      topic,
      createBatchHandler({
        topic,
        toRows,
        // Every insert settles before the handler does, even when one failed:
        // the rows' buffers are reused once it has (releaseRows).
        writeRows: (batch, rowsByTable) =>
          settleAll([...rowsByTable].flatMap(([table, rows]) => planInserts(batch, table, rows, config.batchMaxRows)).map(insert)),
        releaseRows: (rowsByTable) => spanRowBuffers.release(rowBuffers(rowsByTable)),
        writeDeadLetters,
        metrics,
        logger,
      }),
    );
  }

  return withLifecycle({
    async start() {
      const spanRows = await spanMessageRows();
      for (const topic of INGEST_TOPICS) subscribe(topic, topic === Topics.spans ? spanRows : rowsOfMessage[topic]);
      await deps.consumer.start();
      logger.info({ topics: INGEST_TOPICS, batchMaxRows: config.batchMaxRows, insertFormat: config.insertFormat }, 'ingest started');
    },
    async stop() {
      // Inserts still retrying give up, so their batches stay uncommitted and
      // the consumer's stop does not wait out a store outage.
      stopping.abort();
      await deps.consumer.stop();
    },
  });
}
