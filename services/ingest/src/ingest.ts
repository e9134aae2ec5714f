import { withLifecycle, type Component, type Logger, type Registry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { BatchHandler, TransportConsumer, TransportMessage, TransportProducer } from '@stallscope/transport';
import { createBatcher } from './batcher.js';
import { clickHouseInsert } from './clickhouse-insert.js';
import type { IngestConfig } from './config.js';
import { deadLetterMessage } from './dead-letter.js';
import { createIngestMetrics } from './ingest-metrics.js';
import { decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
import type { UnsupportedMetricType } from './otlp-model.js';
import { Tables, metricRows, traceRows, type TableName } from './rows.js';

export interface IngestDeps {
  logger: Logger;
  metrics: Registry;
  /** Started before the ingest (the launcher's dependency order). */
  store: Store;
  /** Owned by the ingest: subscribed and started by its start, stopped by its stop. */
  consumer: TransportConsumer;
  /**
   * Carries undecodable messages to Topics.deadLetter. The caller starts it
   * before the ingest and stops it after, so dead letters of the last batches
   * still go out.
   */
  deadLetter: TransportProducer;
}

interface PayloadRows {
  rowsByTable: ReadonlyMap<TableName, readonly object[]>;
  unsupportedPoints: Partial<Record<UnsupportedMetricType, number>>;
}

type IngestTopic = typeof Topics.spans | typeof Topics.metrics;

const rowsOfPayload: Record<IngestTopic, (payload: Uint8Array) => PayloadRows> = {
  [Topics.spans]: (payload) => ({
    rowsByTable: new Map([[Tables.traces, traceRows(decodeExportTraceServiceRequest(payload))]]),
    unsupportedPoints: {},
  }),
  [Topics.metrics]: (payload) => {
    const rows = metricRows(decodeExportMetricsServiceRequest(payload));
    return {
      rowsByTable: new Map([[Tables.exponentialHistograms, rows.exponentialHistograms]]),
      unsupportedPoints: rows.unsupportedPoints,
    };
  },
};

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * The ingest: OTLP requests from the spans and metrics topics -> rows of the
 * Collector-compatible ClickHouse tables. A batch's offsets may be committed
 * once its handler resolves, which is after its rows are inserted and its
 * undecodable messages are on the dead-letter topic (at-least-once).
 */
export function createIngest(config: IngestConfig, deps: IngestDeps): Component {
  const logger = deps.logger.child({ component: 'ingest' });
  const metrics = createIngestMetrics(deps.metrics);
  const batcher = createBatcher({
    maxRows: config.batchMaxRows,
    maxDelayMs: config.batchMaxDelayMs,
    insert: clickHouseInsert(() => deps.store.client, metrics),
  });

  function sendDeadLetters(topic: IngestTopic, messages: TransportMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return deps.deadLetter.send(Topics.deadLetter, messages).then(() => {
      metrics.deadLetters.inc({ topic }, messages.length);
      metrics.messages.inc({ topic, outcome: 'dead_lettered' }, messages.length);
    });
  }

  function handlerFor(topic: IngestTopic): BatchHandler {
    const toRows = rowsOfPayload[topic];
    return async (batch) => {
      const rowsByTable = new Map<TableName, object[]>();
      const deadLetters: TransportMessage[] = [];
      for (const message of batch) {
        let payloadRows: PayloadRows;
        try {
          payloadRows = toRows(message.value);
        } catch (thrown) {
          const err = asError(thrown);
          logger.warn(
            { topic: message.topic, partition: message.partition, offset: message.offset, err },
            'message does not decode; sending it to the dead-letter topic',
          );
          deadLetters.push(deadLetterMessage(message, err));
          continue;
        }
        for (const [table, rows] of payloadRows.rowsByTable) {
          const queued = rowsByTable.get(table) ?? [];
          for (const row of rows) queued.push(row);
          rowsByTable.set(table, queued);
        }
        for (const [type, points] of Object.entries(payloadRows.unsupportedPoints)) {
          metrics.unsupportedMetricPoints.inc({ type }, points);
        }
      }
      const decodedCount = batch.length - deadLetters.length;
      const inserted = Promise.all([...rowsByTable].map(([table, rows]) => batcher.add(table, rows))).then(
        () => metrics.messages.inc({ topic, outcome: 'ingested' }, decodedCount),
        (err: unknown) => {
          metrics.messages.inc({ topic, outcome: 'insert_failed' }, decodedCount);
          throw err;
        },
      );
      // Wait for both, so the handler never settles while a write is still in flight.
      const [insertResult, deadLetterResult] = await Promise.allSettled([inserted, sendDeadLetters(topic, deadLetters)]);
      const failure = [insertResult, deadLetterResult].find(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      if (failure) {
        const first = batch[0];
        logger.error(
          { topic, partition: first?.partition, firstOffset: first?.offset, messages: batch.length, err: failure.reason },
          'batch not ingested; it will be delivered again',
        );
        throw failure.reason;
      }
    };
  }

  return withLifecycle({
    async start() {
      deps.consumer.subscribe(Topics.spans, handlerFor(Topics.spans));
      deps.consumer.subscribe(Topics.metrics, handlerFor(Topics.metrics));
      await deps.consumer.start();
      logger.info({ topics: [Topics.spans, Topics.metrics], batchMaxRows: config.batchMaxRows }, 'ingest started');
    },
    async stop() {
      // Closing the batcher along with the consumer makes in-flight handlers
      // insert at once instead of waiting out batchMaxDelayMs while it drains.
      await Promise.all([deps.consumer.stop(), batcher.close()]);
    },
  });
}
