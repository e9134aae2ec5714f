/** Writes rows to a table; rejects if the write failed. */
export type InsertRows = (table: string, rows: readonly object[]) => Promise<void>;

export interface BatcherOptions {
  maxRows: number;
  maxDelayMs: number;
  insert: InsertRows;
}

export interface Batcher {
  /**
   * Queues rows for a table. Resolves once every one of them is inserted,
   * rejects if an insert holding any of them failed: the caller commits
   * offsets only after this resolves.
   */
  add(table: string, rows: readonly object[]): Promise<void>;
  /** Inserts everything queued now; resolves when those inserts settled. */
  flush(): Promise<void>;
  /** Flushes, and from then on inserts each add at once (for shutdown). */
  close(): Promise<void>;
}

interface OpenBatch {
  rows: object[];
  timer: NodeJS.Timeout | undefined;
  /** Settles with the insert of these rows; set up when the batch opens. */
  inserted: Promise<void>;
  settle(insert: Promise<void>): void;
}

function openBatch(): OpenBatch {
  let settle!: (insert: Promise<void>) => void;
  const inserted = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { rows: [], timer: undefined, inserted, settle };
}

/**
 * Accumulates rows per table and inserts a table's rows when maxRows are
 * queued or maxDelayMs after the first queued row, whichever comes first.
 * Larger inserts are what ClickHouse wants (each insert makes a part).
 */
export function createBatcher(options: BatcherOptions): Batcher {
  const { maxRows, maxDelayMs, insert } = options;
  const openBatches = new Map<string, OpenBatch>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  function seal(table: string): void {
    const batch = openBatches.get(table);
    if (!batch) return;
    openBatches.delete(table);
    clearTimeout(batch.timer);
    const insertion = insert(table, batch.rows);
    batch.settle(insertion);
    const tracked = insertion.catch(() => undefined).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  function add(table: string, rows: readonly object[]): Promise<void> {
    const waits: Promise<void>[] = [];
    let next = 0;
    while (next < rows.length) {
      let batch = openBatches.get(table);
      if (!batch) {
        batch = openBatch();
        openBatches.set(table, batch);
        if (!closed) batch.timer = setTimeout(() => seal(table), maxDelayMs);
      }
      const take = Math.min(maxRows - batch.rows.length, rows.length - next);
      for (const row of rows.slice(next, next + take)) batch.rows.push(row);
      next += take;
      waits.push(batch.inserted);
      if (closed || batch.rows.length >= maxRows) seal(table);
    }
    return Promise.all(waits).then(() => undefined);
  }

  async function flush(): Promise<void> {
    for (const table of [...openBatches.keys()]) seal(table);
    await Promise.all(inFlight);
  }

  return {
    add,
    flush,
    close() {
      closed = true;
      return flush();
    },
  };
}
