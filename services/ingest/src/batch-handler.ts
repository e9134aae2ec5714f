import { setImmediate } from 'node:timers/promises';
import type { Logger } from '@stallscope/common';
import type { BatchHandler, DeliveredMessage } from '@stallscope/transport';
import type { IngestMetrics } from './ingest-metrics.js';
import { recordBatchResult, traceBatch } from './ingest-tracing.js';
import type { IngestTopic, MessageRows, MessageToRows } from './message-rows.js';
import { OtlpDecodeError } from './otlp-decode.js';
import type { TableName } from './rows.js';

export interface BatchHandlerDeps {
  topic: IngestTopic;
  toRows: MessageToRows;
  /** Writes the decoded rows of one transport batch; rejects if any write failed. */
  writeRows(batch: readonly DeliveredMessage[], rowsByTable: ReadonlyMap<TableName, readonly object[]>): Promise<void>;
  /**
   * Called once the batch's writes have all settled, whatever their outcome,
   * with the rows it decoded; nothing reads them after it (see RowBufferPool).
   */
  releaseRows?(rowsByTable: ReadonlyMap<TableName, readonly object[]>): void;
  /** Records the messages that are bad input, with why; rejects if they could not be recorded. */
  writeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  metrics: IngestMetrics;
  logger: Logger;
}

export interface DeadLetter {
  message: DeliveredMessage;
  error: OtlpDecodeError;
}

/**
 * Longest stretch the handler decodes before it lets other work run: kafkajs's
 * heartbeats and fetches, and the other partitions' handlers, whose inserts
 * then overlap this decoding. An 8 MiB batch takes a few hundred ms to decode.
 */
const MAX_DECODE_STRETCH_MS = 10;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * The handler of one ingest topic. Only bad input (OtlpDecodeError: bytes
 * that are no OTLP request, or a request that makes no sense) is dead-lettered;
 * any other exception is a bug of ours, and dead-lettering it would commit
 * every message it touched, so it fails the batch instead (redelivered after
 * the fix). Offsets may be committed once the handler resolves: rows written
 * and dead letters recorded (at-least-once).
 */
export function createBatchHandler(deps: BatchHandlerDeps): BatchHandler {
  const { topic, toRows, metrics, logger } = deps;
  return (batch) => traceBatch(batch, async (span) => {
    const rowsByTable = new Map<TableName, object[]>();
    const deadLetters: DeadLetter[] = [];
    let stretchStart = performance.now();
    for (const message of batch) {
      if (performance.now() - stretchStart > MAX_DECODE_STRETCH_MS) {
        await setImmediate();
        stretchStart = performance.now();
      }
      let messageRows: MessageRows;
      try {
        messageRows = toRows(message.value);
      } catch (thrown) {
        const source = { topic: message.topic, partition: message.partition, offset: message.offset };
        if (!(thrown instanceof OtlpDecodeError)) {
          metrics.messages.inc({ topic, outcome: 'handler_failed' }, batch.length);
          recordBatchResult(span, rowsByTable, deadLetters.length, 'handler_failed');
          logger.error({ ...source, err: asError(thrown) }, 'message handling failed on a bug, not on bad input; the batch will be delivered again');
          throw thrown;
        }
        logger.warn({ ...source, err: thrown }, 'message is not a valid OTLP request; dead-lettering it');
        deadLetters.push({ message, error: thrown });
        continue;
      }
      for (const [table, rows] of messageRows.rowsByTable) {
        const queued = rowsByTable.get(table) ?? [];
        for (const row of rows) queued.push(row);
        rowsByTable.set(table, queued);
      }
      if (messageRows.metricsWithoutData > 0) metrics.metricsWithoutData.inc(messageRows.metricsWithoutData);
    }
    const decodedCount = batch.length - deadLetters.length;
    const written = deps.writeRows(batch, rowsByTable).then(
      () => metrics.messages.inc({ topic, outcome: 'ingested' }, decodedCount),
      (err: unknown) => {
        metrics.messages.inc({ topic, outcome: 'insert_failed' }, decodedCount);
        throw err;
      },
    );
    const deadLettered =
      deadLetters.length === 0
        ? Promise.resolve()
        : deps.writeDeadLetters(deadLetters).then(() => {
            metrics.deadLetters.inc({ topic }, deadLetters.length);
            metrics.messages.inc({ topic, outcome: 'dead_lettered' }, deadLetters.length);
          });
    // Wait for both, so the handler never settles while a write is still in flight.
    const results = await Promise.allSettled([written, deadLettered]);
    deps.releaseRows?.(rowsByTable);
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    recordBatchResult(span, rowsByTable, deadLetters.length, failure ? 'insert_failed' : deadLetters.length > 0 ? 'dead_lettered' : 'ingested');
    if (failure) {
      const first = batch[0];
      logger.error(
        { topic, partition: first?.partition, firstOffset: first?.offset, messages: batch.length, err: failure.reason },
        'batch not ingested; it will be delivered again',
      );
      throw failure.reason;
    }
  });
}
