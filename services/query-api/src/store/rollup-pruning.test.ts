// Real engine: embedded chDB through createStore and the real migrations.
// What a long window costs depends on the primary index skipping the rows
// outside it. Partitions (days, weeks) skip some, depending on the day of the
// week; within a partition only the sort key's leading time expression can:
// so the window must bound that expression, which EXPLAIN indexes shows. Each
// rollup is filled with more history than the window (one merged part per
// partition, as after the engine's merges) and the rows the top query's
// granules hold are counted (EXPLAIN ESTIMATE).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { topSyscallsSql } from '../routes/syscalls/top-query.js';
import { FLEET_HOUR_ROLLUP, FLEET_MINUTE_ROLLUP, HOUR_ROLLUP, MINUTE_ROLLUP, type Rollup } from './rollup.js';

const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-rollup-pruning-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger: createLogger('silent') });

const HOURS_OF_HOUR_ROWS = 8 * 24;
const MINUTES_OF_MINUTE_ROWS = 24 * 60;
const ROWS_PER_HOUR = 1_000;
const ROWS_PER_MINUTE = 200;

/** Rows of every (service, syscall) for each of `periods` hours or minutes back from now. */
function fill(rollup: Rollup, periods: number, perPeriod: number): string {
  const time = rollup.resolutionSeconds === 60 ? 'toStartOfMinute(now()) - toIntervalMinute' : 'toStartOfHour(now()) - toIntervalHour';
  const hostColumns = rollup.perHost ? ", 'host-' || toString(number % 7), '', 'syscall'" : '';
  const hostNames = rollup.perHost ? ', HostName, ContainerId, WaitClassRule' : '';
  const hosts = rollup.perHost ? '' : ", arrayReduce('uniqExactState', ['host-' || toString(number % 7)])";
  return `INSERT INTO ${rollup.table} (${rollup.timeColumn}, ServiceName, Syscall, WaitClass${hostNames}, Calls, BlockedNs, MaxNs, ZeroCount, Buckets${rollup.perHost ? '' : ', Hosts'})
    SELECT ${time}(intDiv(number, ${perPeriod})), 'service-' || toString(number % 20), 'syscall-' || toString(intDiv(number, 20) % 50), 'disk'${hostColumns},
      1, 1e6, 1e6, 0, ([20], [1])${hosts}
    FROM numbers(${periods * perPeriod})`;
}

interface PlanNode {
  Plans?: PlanNode[];
  Indexes?: { Type: string; Keys?: string[] }[];
}

/** The key expressions the window's conditions bound in the primary index, as EXPLAIN names them. */
async function primaryKeysUsed(rollup: Rollup, windowSeconds: number): Promise<string[]> {
  const { query, params } = topSyscallsSql({ windowSeconds, by: 'service', includeIdle: false, limit: 10 }, 'all', rollup);
  const result = await store.client.query({ query: `EXPLAIN json = 1, indexes = 1 ${query}`, query_params: params, format: 'JSONEachRow' });
  const [row] = await result.json<{ explain: string }>();
  const keys: string[] = [];
  const visit = (node: PlanNode): void => {
    for (const index of node.Indexes ?? []) if (index.Type === 'PrimaryKey') keys.push(...(index.Keys ?? []));
    for (const child of node.Plans ?? []) visit(child);
  };
  for (const plan of JSON.parse(row?.explain ?? '[]') as { Plan: PlanNode }[]) visit(plan.Plan);
  return keys;
}

async function rowsRead(rollup: Rollup, windowSeconds: number): Promise<number> {
  const { query, params } = topSyscallsSql({ windowSeconds, by: 'service', includeIdle: false, limit: 10 }, 'all', rollup);
  const result = await store.client.query({ query: `EXPLAIN ESTIMATE ${query}`, query_params: params, format: 'JSONEachRow' });
  return (await result.json<{ rows: string | number }>()).reduce((sum, row) => sum + Number(row.rows), 0);
}

before(async () => {
  await store.start();
  for (const rollup of [HOUR_ROLLUP, FLEET_HOUR_ROLLUP]) await store.client.command({ query: fill(rollup, HOURS_OF_HOUR_ROWS, ROWS_PER_HOUR) });
  for (const rollup of [MINUTE_ROLLUP, FLEET_MINUTE_ROLLUP]) await store.client.command({ query: fill(rollup, MINUTES_OF_MINUTE_ROWS, ROWS_PER_MINUTE) });
  for (const rollup of [HOUR_ROLLUP, FLEET_HOUR_ROLLUP, MINUTE_ROLLUP, FLEET_MINUTE_ROLLUP]) await store.client.command({ query: `OPTIMIZE TABLE ${rollup.table} FINAL` });
});

after(async () => {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a window reads the rollup rows of its own days or hours, not the whole table', () => {
  const cases = [
    { rollup: HOUR_ROLLUP, leadingKey: 'toStartOfDay(Hour)', windowSeconds: 24 * 3_600, total: HOURS_OF_HOUR_ROWS * ROWS_PER_HOUR, atMost: 2 * 24 * ROWS_PER_HOUR },
    { rollup: FLEET_HOUR_ROLLUP, leadingKey: 'toStartOfDay(Hour)', windowSeconds: 24 * 3_600, total: HOURS_OF_HOUR_ROWS * ROWS_PER_HOUR, atMost: 2 * 24 * ROWS_PER_HOUR },
    { rollup: MINUTE_ROLLUP, leadingKey: 'toStartOfHour(Minute)', windowSeconds: 6 * 3_600, total: MINUTES_OF_MINUTE_ROWS * ROWS_PER_MINUTE, atMost: 7 * 60 * ROWS_PER_MINUTE },
    { rollup: FLEET_MINUTE_ROLLUP, leadingKey: 'toStartOfHour(Minute)', windowSeconds: 6 * 3_600, total: MINUTES_OF_MINUTE_ROWS * ROWS_PER_MINUTE, atMost: 7 * 60 * ROWS_PER_MINUTE },
  ];
  for (const { rollup, leadingKey, windowSeconds, total, atMost } of cases) {
    it(`${rollup.table}: the window bounds ${leadingKey}, so ${windowSeconds / 3_600} h reads only the ${leadingKey.startsWith('toStartOfDay') ? 'days' : 'hours'} it touches`, async () => {
      const keys = await primaryKeysUsed(rollup, windowSeconds);
      assert.equal(keys[0], leadingKey, `primary index keys used: ${keys.join(', ')}`);
      const read = await rowsRead(rollup, windowSeconds);
      console.log(`${rollup.table}: a ${windowSeconds / 3_600} h window reads ${read} of ${total} rows`);
      // One granule (8,192 rows) of slack at the window's edge.
      assert.ok(read <= atMost + 8_192, `read ${read} of ${total}`);
    });
  }
});
