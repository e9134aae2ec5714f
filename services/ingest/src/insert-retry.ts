import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@stallscope/common';
import type { InsertRows } from './clickhouse-insert.js';
import type { IngestMetrics } from './ingest-metrics.js';

export interface InsertRetryOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Aborted when the ingest stops: the retry gives up and the batch stays uncommitted. */
  signal: AbortSignal;
  metrics: IngestMetrics;
  logger: Logger;
}

/**
 * Retries a failed insert until it succeeds, backing off exponentially up to
 * maxBackoffMs. A store outage is never the messages' fault, so their batch
 * waits (its partition is paused behind it) instead of being dead-lettered or
 * dropped; the retry resumes consumption as soon as the store is back.
 */
export function retryingInsert(insert: InsertRows, options: InsertRetryOptions): InsertRows {
  const { initialBackoffMs, maxBackoffMs, signal, metrics, logger } = options;
  return async (planned) => {
    const { table, rows } = planned;
    let backoffMs = initialBackoffMs;
    for (;;) {
      try {
        // The same token on every attempt: an insert that was applied before
        // its acknowledgement got lost is not applied twice.
        await insert(planned);
        return;
      } catch (err) {
        if (signal.aborted) throw err;
        metrics.insertRetries.inc({ table });
        logger.warn({ table, rows: rows.length, backoffMs, err }, 'insert failed; retrying after a backoff');
        try {
          await sleep(backoffMs, undefined, { signal });
        } catch {
          throw err;
        }
        backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      }
    }
  };
}
