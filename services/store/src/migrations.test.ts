// Real engine: embedded chDB in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { applyMigrations, readMigrations, splitStatements } from './migrations.js';
import { createStore } from './store.js';
import { storeConfigDefaults } from './config.js';

test('migration files are ordered and split into statements', () => {
  const migrations = readMigrations();
  assert.deepEqual(
    migrations.map((migration) => migration.version),
    [...migrations.map((migration) => migration.version)].sort((a, b) => a - b),
  );
  assert.ok(migrations.length >= 3);
  assert.deepEqual(splitStatements('-- c\nCREATE A;\nCREATE B\n  ;\n'), ['CREATE A', 'CREATE B']);
});

test('migrations apply once on chDB and create the contract tables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-store-'));
  const logger = createLogger('silent');
  const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger });
  try {
    await store.start();
    assert.equal(store.kind, 'chdb');
    assert.deepEqual(await applyMigrations(store.client, logger), [], 'a second run applies nothing');
    // Every statement is idempotent: a run interrupted before its version row repeats them.
    for (const migration of readMigrations()) {
      for (const statement of migration.statements) await store.client.command({ query: statement });
    }
    const result = await store.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase()', format: 'JSONEachRow' });
    const tables = (await result.json<{ name: string }>()).map((row) => row.name);
    for (const table of ['otel_traces', 'otel_metrics_exponential_histogram', 'kernel_syscall_minutely', 'kernel_syscall_minutely_mv', 'stallscope_dead_letters']) {
      assert.ok(tables.includes(table), `${table} missing from ${tables.join(', ')}`);
    }
    const windows = await store.client.query({
      query: `SELECT name, extract(create_table_query, 'non_replicated_deduplication_window = (\\d+)') AS window
              FROM system.tables WHERE database = currentDatabase() AND name IN ('otel_traces', 'otel_metrics_exponential_histogram', 'kernel_syscall_minutely')
              ORDER BY name`,
      format: 'JSONEachRow',
    });
    assert.deepEqual(await windows.json(), [
      { name: 'kernel_syscall_minutely', window: '10000' },
      { name: 'otel_metrics_exponential_histogram', window: '10000' },
      { name: 'otel_traces', window: '10000' },
    ]);
  } finally {
    await store.stop();
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty chdbPath without a url is refused with a message', async () => {
  const store = createStore({ ...storeConfigDefaults, chdbPath: '' }, { logger: createLogger('silent') });
  await assert.rejects(store.start(), /store\.chdbPath/);
});
