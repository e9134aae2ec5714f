import type { Store } from '@stallscope/store';
import type { PlannedInsert } from './insert-plan.js';
import type { IngestMetrics } from './ingest-metrics.js';

/** Writes one planned insert; rejects if the write failed. */
export type InsertRows = (insert: PlannedInsert) => Promise<void>;

/**
 * Inserts rows as JSONEachRow under their deduplication token, timing and
 * counting each insert. The dependent-view setting makes a deduplicated insert
 * skip the materialized views too, so a replay leaves the rollups unchanged.
 */
export function clickHouseInsert(client: () => Store['client'], metrics: IngestMetrics): InsertRows {
  return async ({ table, rows, deduplicationToken }) => {
    const endTimer = metrics.batchInsertSeconds.startTimer({ table });
    try {
      await client().insert({
        table,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: {
          insert_deduplicate: 1,
          insert_deduplication_token: deduplicationToken,
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
    } catch (err) {
      metrics.insertFailures.inc({ table });
      throw err;
    } finally {
      endTimer();
    }
    metrics.rowsInserted.inc({ table }, rows.length);
  };
}
