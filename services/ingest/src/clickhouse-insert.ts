import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { StoreDiskFloorError } from '@stallscope/store/disk-floor';
import type { InsertFormat } from './config.js';
import type { PlannedInsert } from './insert-plan.js';
import type { IngestMetrics } from './ingest-metrics.js';
import { insertJsonEachRow, insertRowBinary, tableCodecs, type ClickHouseSettings, type TableCodecs } from './row-binary-insert.js';

/** Writes one planned insert; rejects if the write failed. */
export type InsertRows = (insert: PlannedInsert) => Promise<void>;

export interface ClickHouseInsertDeps {
  store: Pick<Store, 'client' | 'insertFileDir' | 'checkWritable'>;
  metrics: IngestMetrics;
  logger: Logger;
}

/**
 * Inserts rows under their deduplication token, timing and counting each
 * insert. With the dependent-view setting each rollup's view deduplicates its
 * share of a replay by its own record, so a replay leaves the rollups
 * unchanged. An embedded store below its free-space floor is not written at
 * all (store.checkWritable): the insert fails before it starts.
 *
 * With `RowBinary`, a table whose every column type has a codec goes as
 * RowBinary (the engine parses it for a fraction of JSONEachRow's CPU, no
 * JSON text is built, and bytes that are not UTF-8 are kept), to the embedded
 * engine and to a ClickHouse server alike; any other table as JSONEachRow.
 */
export function clickHouseInsert(format: InsertFormat, deps: ClickHouseInsertDeps): InsertRows {
  const { store, metrics, logger } = deps;
  const codecsByTable = new Map<string, Promise<TableCodecs>>();

  function codecsOf(table: string): Promise<TableCodecs> {
    let codecs = codecsByTable.get(table);
    if (!codecs) {
      codecs = tableCodecs(store.client, table).then((found) => {
        if ('unsupported' in found) logger.info({ table, reason: found.unsupported }, 'table inserts stay JSONEachRow');
        return found;
      });
      // A failed look-up (store down) is tried again with the next insert.
      codecs.catch(() => codecsByTable.delete(table));
      codecsByTable.set(table, codecs);
    }
    return codecs;
  }

  return async ({ table, rows, deduplicationToken }) => {
    try {
      store.checkWritable();
    } catch (err) {
      if (err instanceof StoreDiskFloorError) metrics.insertsHeld.inc({ table });
      throw err;
    }
    const endTimer = metrics.batchInsertSeconds.startTimer({ table });
    const settings: ClickHouseSettings = {
      insert_deduplicate: 1,
      insert_deduplication_token: deduplicationToken,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    };
    try {
      const codecs = format === 'RowBinary' ? await codecsOf(table) : undefined;
      if (codecs && 'columns' in codecs) {
        await insertRowBinary(store, table, codecs.columns, rows, settings);
      } else {
        await insertJsonEachRow(store.client, table, rows, settings);
      }
    } catch (err) {
      // The table may have changed under us (a migration): describe it again on the retry.
      codecsByTable.delete(table);
      metrics.insertFailures.inc({ table });
      throw err;
    } finally {
      endTimer();
    }
    metrics.rowsInserted.inc({ table }, rows.length);
  };
}
