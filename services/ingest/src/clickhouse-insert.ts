import type { Store } from '@stallscope/store';
import type { InsertRows } from './batcher.js';
import type { IngestMetrics } from './ingest-metrics.js';

/** Inserts rows as JSONEachRow, timing and counting each batch. */
export function clickHouseInsert(client: () => Store['client'], metrics: IngestMetrics): InsertRows {
  return async (table, rows) => {
    const endTimer = metrics.batchInsertSeconds.startTimer({ table });
    try {
      await client().insert({ table, values: rows, format: 'JSONEachRow' });
    } catch (err) {
      metrics.insertFailures.inc({ table });
      throw err;
    } finally {
      endTimer();
    }
    metrics.rowsInserted.inc({ table }, rows.length);
  };
}
