// Starts (real engine): the embedded engine (chDB), one process per insert
// (test-fixtures/insert-with-token.mjs), over one data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partRange, repairDeduplicationLogs } from './deduplication-log-repair.js';

const fixture = join(import.meta.dirname, '..', 'src', 'test-fixtures', 'insert-with-token.mjs');
/** The fixture's answer: its last line (the store's log lines come before it). */
const insert = (path: string, value: number, token: string) =>
  JSON.parse(execFileSync(process.execPath, [fixture, path, String(value), token], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as { rows: number; sum: number };

test('part names: partition, block range, level and mutation; anything else is no part', () => {
  assert.deepEqual(partRange('all_3_7_1'), { partition: 'all', minBlock: 3, maxBlock: 7 });
  assert.deepEqual(partRange('202611_12_12_0_15'), { partition: '202611', minBlock: 12, maxBlock: 12 });
  for (const name of ['tmp_insert_all_1_1_0', 'detached', 'format_version.txt', 'all_1_x_0', '_1_1_0']) assert.equal(partRange(name), undefined, name);
});

test('a record of a part never committed is dropped; merged, dropped and unreadable records stay', () => {
  const root = mkdtempSync(join(tmpdir(), 'stallscope-dedup-repair-'));
  try {
    const table = join(root, 'store', 'abc', 'abc-uuid');
    mkdirSync(join(table, 'deduplication_logs'), { recursive: true });
    for (const part of ['all_1_5_1', 'tmp_insert_all_6_6_0', 'detached']) mkdirSync(join(table, part));
    const log = join(table, 'deduplication_logs', 'deduplication_log_1.txt');
    const records = ['1\tall_3_3_0\tall_1_2', '1\tall_6_6_0\tall_3_4', '2\tall_2_2_0\tall_5_6', 'not a record', '1\tall_5_5_0\tall_7_8', ''];
    writeFileSync(log, records.join('\n'));
    assert.deepEqual(repairDeduplicationLogs(root), [{ table, part: 'all_6_6_0' }]);
    assert.equal(readFileSync(log, 'utf8'), records.filter((record) => !record.includes('all_6_6_0')).join('\n'));
    assert.deepEqual(repairDeduplicationLogs(root), [], 'a repaired log is left as it is');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a batch whose insert died between its deduplication record and its part is stored when delivered again; a committed one still is not', { timeout: 120_000 }, () => {
  const path = mkdtempSync(join(tmpdir(), 'stallscope-dedup-crash-'));
  try {
    assert.deepEqual(insert(path, 5, 'batch-1'), { rows: 1, sum: 5 });
    // What kill -9 leaves in that window: the block id logged, the part still temporary (removed at the next start).
    const table = realpathSync(join(path, 'data', 'default', 't'));
    const [part] = readdirSync(table).filter((name) => partRange(name) !== undefined);
    assert.ok(part, `a part of t in ${readdirSync(table).join(', ')}`);
    renameSync(join(table, part), join(table, `tmp_insert_${part}`));
    assert.deepEqual(insert(path, 7, 'batch-1'), { rows: 1, sum: 7 }, 'the batch delivered again is stored');
    assert.deepEqual(insert(path, 9, 'batch-1'), { rows: 1, sum: 7 }, 'and once stored, delivered again it is a duplicate');
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
});
