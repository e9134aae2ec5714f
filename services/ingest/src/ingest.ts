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
import { encodeTraceRows, traceRowLayout, wasmTraceRowsUnavailable } from './trace-row-binary.js';
import { METRIC_ROW_TABLES, encodeMetricRows, metricRowLayouts } from './metric-row-binary.js';
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

/** An encoder straight from protobuf to RowBinary for one topic's requests. */
interface DirectWay<Layout> {
  topic: IngestTopic;
  /** The tables the encoder writes, whose layouts it needs. */
  tables: readonly TableName[];
  /** What the topic's requests carry, for the log. */
  items: string;
  /** The encoder's layout for the tables' stored columns, or why it cannot write them. */
  layoutOf: (columns: ReadonlyMap<TableName, readonly { name: string; type: string }[]>) => Layout | { unsupported: string };
  /** The request's rows by table, or undefined for a request the encoder does not take. */
  encode: (payload: Uint8Array, layout: Layout) => ReadonlyMap<TableName, readonly object[]> | undefined;
  /** Counts a request by the way its rows were made. */
  counted: (path: 'direct' | 'decoded') => void;
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
   * A topic's rows straight from protobuf to RowBinary (`way`) when the
   * ingest inserts RowBinary into tables the encoder can write; decoded
   * otherwise, and for each request the encoder does not take. A store that
   * does not say how the tables are laid out at start (a server not up yet)
   * has the topic's requests decoded first, and is asked again at most every
   * LAYOUT_RETRY_MS.
   */
  async function directMessageRows<Layout>(way: DirectWay<Layout>): Promise<MessageToRows> {
    const decoded = rowsOfMessage[way.topic];
    let layout: Layout | undefined;
    let unsupported = false;
    let asking: Promise<void> | undefined;
    let askAgainAtMs = 0;
    const askLayout = (): Promise<void> =>
      (asking ??= Promise.all(way.tables.map(async (table) => [table, await storedColumns(deps.store.client, table)] as const))
        .then(
          (columns) => {
            const found = way.layoutOf(new Map(columns));
            if (typeof found === 'object' && found !== null && 'unsupported' in found) {
              unsupported = true;
              logger.info({ reason: found.unsupported }, `${way.items} are decoded before they are encoded`);
            } else layout = found;
          },
          (err: unknown) => {
            askAgainAtMs = Date.now() + LAYOUT_RETRY_MS;
            logger.warn(
              { err, retryInMs: LAYOUT_RETRY_MS },
              `the store did not say how ${way.tables.join(', ')} ${way.tables.length > 1 ? 'are' : 'is'} laid out: ${way.items} are decoded before they are encoded until it does`,
            );
          },
        )
        .finally(() => (asking = undefined)));
    await askLayout();
    return (payload) => {
      if (unsupported) return decoded(payload);
      if (!layout && !asking && Date.now() >= askAgainAtMs) void askLayout();
      const rowsByTable = layout ? way.encode(payload, layout) : undefined;
      way.counted(rowsByTable ? 'direct' : 'decoded');
      return rowsByTable ? { rowsByTable, metricsWithoutData: 0 } : decoded(payload);
    };
  }

  /** Each topic's way from a message to its rows. */
  async function messageRows(): Promise<Map<IngestTopic, MessageToRows>> {
    const ways = new Map<IngestTopic, MessageToRows>(INGEST_TOPICS.map((topic) => [topic, rowsOfMessage[topic]]));
    if (config.insertFormat !== 'RowBinary') return ways;
    if (config.directSpanRows) {
      ways.set(
        Topics.spans,
        await directMessageRows({
          topic: Topics.spans,
          tables: [Tables.traces],
          items: 'spans',
          layoutOf: (columns) => traceRowLayout(columns.get(Tables.traces) ?? []),
          encode: (payload, layout) => {
            const rows = encodeTraceRows(payload, layout, takeSpanRowBuffer);
            return rows && new Map([[Tables.traces, rows]]);
          },
          counted: (path) => metrics.spanMessages.inc({ path }),
        }),
      );
      if (wasmTraceRowsUnavailable) logger.warn({ reason: wasmTraceRowsUnavailable }, 'spans are encoded in JavaScript only, at about twice the CPU');
    }
    if (config.directMetricRows) {
      ways.set(
        Topics.metrics,
        await directMessageRows({
          topic: Topics.metrics,
          tables: METRIC_ROW_TABLES,
          items: 'metric points',
          layoutOf: metricRowLayouts,
          encode: encodeMetricRows,
          counted: (path) => metrics.metricMessages.inc({ path }),
        }),
      );
    }
    return ways;
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
      const ways = await messageRows();
      for (const topic of INGEST_TOPICS) subscribe(topic, ways.get(topic)!);
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
