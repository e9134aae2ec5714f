import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr } from '@stallscope/schemas';
import type { DeliveredMessage } from '@stallscope/transport';
import type { InsertRows } from './clickhouse-insert.js';
import type { TableName } from './rows.js';

/**
 * A no-op until the launcher starts the OpenTelemetry SDK (self-tracing), so
 * with it off a batch costs one no-op span and no attribute work.
 *
 * Watching ourselves does not feed back: the ingest makes one batch span and
 * one insert span per table per transport batch, whatever the batch holds, so
 * the spans it exports about batches of its own spans are a constant trickle
 * (about one batch per exporter flush), not a span per span.
 */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

/** Outcome of a batch, as the ingest's messages metric counts it. */
export type BatchOutcome = 'ingested' | 'dead_lettered' | 'insert_failed' | 'handler_failed';

function endWithError(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** Runs handle under one span per transport batch; its inserts start their spans under it. */
export function traceBatch<T>(batch: readonly DeliveredMessage[], handle: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(SelfSpan.ingestBatch, async (span) => {
    const first = batch[0];
    if (span.isRecording() && first) {
      span.setAttributes({
        [SelfSpanAttr.messagingDestination]: first.topic,
        [SelfSpanAttr.messagingPartition]: String(first.partition),
        [SelfSpanAttr.firstOffset]: first.offset,
        [SelfSpanAttr.lastOffset]: batch.at(-1)!.offset,
        [SelfSpanAttr.messagingBatchCount]: batch.length,
      });
    }
    try {
      return await handle(span);
    } catch (err) {
      endWithError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** What a batch became, on its span (rows per table, dead letters, outcome). */
export function recordBatchResult(
  span: Span,
  rowsByTable: ReadonlyMap<TableName, readonly object[]>,
  deadLetters: number,
  outcome: BatchOutcome,
): void {
  if (!span.isRecording()) return;
  for (const [table, rows] of rowsByTable) span.setAttribute(`${SelfSpanAttr.rowsPrefix}${table}`, rows.length);
  span.setAttributes({ [SelfSpanAttr.deadLetters]: deadLetters, [SelfSpanAttr.outcome]: outcome });
}

/** One span per planned insert (retries included), a child of the batch being handled. */
export function tracedInsert(insert: InsertRows): InsertRows {
  return (planned) =>
    tracer.startActiveSpan(SelfSpan.ingestInsert, async (span) => {
      if (span.isRecording()) {
        span.setAttributes({
          [SelfSpanAttr.dbSystem]: 'clickhouse',
          [SelfSpanAttr.dbTable]: planned.table,
          [SelfSpanAttr.dbRows]: planned.rows.length,
        });
      }
      try {
        await insert(planned);
      } catch (err) {
        endWithError(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
}
