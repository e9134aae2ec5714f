import type { DeliveredMessage } from '@stallscope/transport';

/** One insert of a handler batch: its rows and the token that makes a replay of it a no-op. */
export interface PlannedInsert {
  table: string;
  rows: readonly object[];
  deduplicationToken: string;
}

/**
 * Splits the rows one transport batch produced for a table into inserts of at
 * most maxRows, each with a ClickHouse insert_deduplication_token derived only
 * from where the batch came from (topic, partition, first..last offset), the
 * table and the chunk's index. The same messages delivered again (the Kafka
 * consumer redelivers a batch as first delivered, after a crash too) make the
 * same chunks with the same tokens, so ClickHouse drops a replayed insert, and with
 * deduplicate_blocks_in_dependent_materialized_views the rollups' share too.
 * Rows of different transport batches never share an insert: that grouping
 * would depend on timing and would change on replay.
 */
export function planInserts(
  batch: readonly DeliveredMessage[],
  table: string,
  rows: readonly object[],
  maxRows: number,
): PlannedInsert[] {
  const first = batch[0];
  const last = batch.at(-1);
  if (!first || !last || rows.length === 0) return [];
  const source = `${first.topic}/${first.partition}/${first.offset}-${last.offset}/${table}`;
  const inserts: PlannedInsert[] = [];
  for (let start = 0, chunk = 0; start < rows.length; start += maxRows, chunk += 1) {
    inserts.push({ table, rows: rows.slice(start, start + maxRows), deduplicationToken: `${source}/${chunk}` });
  }
  return inserts;
}
