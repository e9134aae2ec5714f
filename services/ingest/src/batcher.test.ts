import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createBatcher, type InsertRows } from './batcher.js';

function recordingInsert(fail = false): { insert: InsertRows; calls: { table: string; rows: readonly object[] }[] } {
  const calls: { table: string; rows: readonly object[] }[] = [];
  return {
    calls,
    insert: async (table, rows) => {
      calls.push({ table, rows });
      if (fail) throw new Error('insert failed');
    },
  };
}

const rows = (...ids: number[]) => ids.map((id) => ({ id }));

describe('createBatcher', () => {
  it('inserts a table as soon as maxRows are queued, splitting a large add', async () => {
    const { insert, calls } = recordingInsert();
    const batcher = createBatcher({ maxRows: 2, maxDelayMs: 60_000, insert });
    const first = batcher.add('t', rows(1, 2, 3));
    assert.deepEqual(calls, [{ table: 't', rows: rows(1, 2) }]);
    const second = batcher.add('t', rows(4));
    await Promise.all([first, second]);
    assert.deepEqual(calls, [
      { table: 't', rows: rows(1, 2) },
      { table: 't', rows: rows(3, 4) },
    ]);
  });

  it('inserts maxDelayMs after the first queued row, resolving add only then', async () => {
    const { insert, calls } = recordingInsert();
    const batcher = createBatcher({ maxRows: 100, maxDelayMs: 30, insert });
    let resolved = false;
    const added = batcher.add('t', rows(1)).then(() => {
      resolved = true;
    });
    await sleep(5);
    assert.equal(resolved, false);
    assert.equal(calls.length, 0);
    await added;
    assert.deepEqual(calls, [{ table: 't', rows: rows(1) }]);
  });

  it('keeps tables apart', async () => {
    const { insert, calls } = recordingInsert();
    const batcher = createBatcher({ maxRows: 100, maxDelayMs: 60_000, insert });
    const added = Promise.all([batcher.add('a', rows(1)), batcher.add('b', rows(2)), batcher.add('a', rows(3))]);
    await batcher.flush();
    await added;
    assert.deepEqual(calls, [
      { table: 'a', rows: rows(1, 3) },
      { table: 'b', rows: rows(2) },
    ]);
  });

  it('rejects add when the insert holding its rows fails', async () => {
    const { insert } = recordingInsert(true);
    const batcher = createBatcher({ maxRows: 1, maxDelayMs: 60_000, insert });
    await assert.rejects(batcher.add('t', rows(1)), /insert failed/);
  });

  it('resolves an empty add at once', async () => {
    const { insert, calls } = recordingInsert();
    await createBatcher({ maxRows: 10, maxDelayMs: 60_000, insert }).add('t', []);
    assert.equal(calls.length, 0);
  });

  it('close flushes what is queued and inserts later adds at once', async () => {
    const { insert, calls } = recordingInsert();
    const batcher = createBatcher({ maxRows: 100, maxDelayMs: 60_000, insert });
    const queued = batcher.add('t', rows(1));
    await batcher.close();
    await queued;
    await batcher.add('t', rows(2));
    assert.deepEqual(calls, [
      { table: 't', rows: rows(1) },
      { table: 't', rows: rows(2) },
    ]);
  });
});
