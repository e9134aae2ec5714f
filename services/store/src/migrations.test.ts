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

/** Every table the ingest or a view inserts into, so every one needs the deduplication window. */
const DEDUPLICATED_TABLES = [
  'otel_traces',
  'otel_traces_trace_id_ts',
  'otel_metrics_gauge',
  'otel_metrics_sum',
  'otel_metrics_histogram',
  'otel_metrics_exponential_histogram',
  'otel_metrics_summary',
  'otel_logs',
  'kernel_syscall_minutely',
  'kernel_syscall_rollup_1m',
  'kernel_syscall_rollup_1h',
  'kernel_syscall_fleet_1m',
  'kernel_syscall_fleet_1h',
  'stallscope_dead_letters',
];

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
    for (const table of [...DEDUPLICATED_TABLES, 'kernel_syscall_minutely_mv', 'otel_traces_trace_id_ts_mv']) {
      assert.ok(tables.includes(table), `${table} missing from ${tables.join(', ')}`);
    }
    const windows = await store.client.query({
      query: `SELECT name, extract(create_table_query, 'non_replicated_deduplication_window = (\\d+)') AS window
              FROM system.tables WHERE database = currentDatabase() AND name IN {tables:Array(String)}
              ORDER BY name`,
      query_params: { tables: DEDUPLICATED_TABLES },
      format: 'JSONEachRow',
    });
    assert.deepEqual(
      await windows.json(),
      [...DEDUPLICATED_TABLES].sort().map((name) => ({ name, window: '10000' })),
      'every table the ingest inserts into (or a view writes) remembers its insert tokens',
    );
    const drift = await store.client.query({
      query: `SELECT table, name, type, default_kind FROM system.columns
              WHERE database = currentDatabase() AND table = 'otel_traces' AND name LIKE '%AttributeItems'
              ORDER BY name`,
      format: 'JSONEachRow',
    });
    assert.deepEqual(await drift.json(), [
      { table: 'otel_traces', name: 'ResourceAttributeItems', type: 'Array(String)', default_kind: 'ALIAS' },
      { table: 'otel_traces', name: 'SpanAttributeItems', type: 'Array(String)', default_kind: 'ALIAS' },
    ]);
    const indexes = await store.client.query({
      query: `SELECT table, name FROM system.data_skipping_indices
              WHERE database = currentDatabase() AND name IN ('idx_lower_span_name', 'idx_scope_attr_key', 'idx_scope_attr_value')
                AND table IN ('otel_traces', 'otel_metrics_exponential_histogram')
              ORDER BY table, name`,
      format: 'JSONEachRow',
    });
    assert.deepEqual(await indexes.json(), [
      { table: 'otel_metrics_exponential_histogram', name: 'idx_scope_attr_key' },
      { table: 'otel_metrics_exponential_histogram', name: 'idx_scope_attr_value' },
      { table: 'otel_traces', name: 'idx_lower_span_name' },
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

test('a cluster with the embedded engine is refused with a message', async () => {
  const store = createStore({ ...storeConfigDefaults, chdbPath: '/nonexistent', cluster: 'stallscope' }, { logger: createLogger('silent') });
  await assert.rejects(store.start(), /store\.cluster needs a ClickHouse server/);
});
