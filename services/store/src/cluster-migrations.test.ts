// Real engine: embedded chDB in a temporary directory, used as a parser only
// (formatQuery parses ON CLUSTER and Replicated/Distributed engines without
// running them; there is no cluster here).
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { DISTRIBUTED_SHARDING_KEYS } from '@stallscope/schemas';
import { renderMigrationsForCluster } from './cluster-migrations.js';
import { storeConfigDefaults } from './config.js';
import { readMigrations, type Migration } from './migrations.js';
import { createStore } from './store.js';

const target = { cluster: 'stallscope', database: 'telemetry' };

test('every rendered migration statement parses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-cluster-'));
  const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger: createLogger('silent') });
  try {
    await store.start();
    const rendered = renderMigrationsForCluster(readMigrations(), target);
    for (const statement of rendered.flatMap((migration) => migration.statements)) {
      const result = await store.client.query({
        query: 'SELECT formatQuery({statement:String}) AS formatted',
        query_params: { statement },
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ formatted: string }>();
      // A backfill (INSERT ... SELECT) runs once, through the Distributed tables.
      if (statement.startsWith('INSERT INTO ')) assert.doesNotMatch(row?.formatted ?? '', /_local\b/, `backfill between Distributed tables: ${row?.formatted}`);
      else assert.ok(row?.formatted.includes('ON CLUSTER stallscope'), `rendered on the cluster: ${row?.formatted}`);
    }
  } finally {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

function statementsOf(migrations: Migration[]): string[] {
  return migrations.flatMap((migration) => migration.statements);
}

test('each table becomes a replicated _local table plus a Distributed table under its public name', () => {
  const migrations = readMigrations();
  const rendered = renderMigrationsForCluster(migrations, target);
  assert.deepEqual(
    rendered.map(({ version, name }) => ({ version, name })),
    migrations.map(({ version, name }) => ({ version, name })),
    'versions and names are those of the files',
  );
  const statements = statementsOf(rendered);
  const traces = statements.find((statement) => statement.startsWith('CREATE TABLE IF NOT EXISTS otel_traces_local '));
  assert.ok(traces?.includes("ON CLUSTER 'stallscope'"));
  assert.ok(traces?.includes("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/otel_traces_local', '{replica}')"));
  assert.ok(
    statements.includes(
      `CREATE TABLE IF NOT EXISTS otel_traces ON CLUSTER 'stallscope' AS otel_traces_local
ENGINE = Distributed('stallscope', 'telemetry', 'otel_traces_local', cityHash64(TraceId))`,
    ),
  );
  const rollup = statements.find((statement) => statement.startsWith('CREATE TABLE IF NOT EXISTS kernel_syscall_minutely_local '));
  assert.ok(rollup?.includes("ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/kernel_syscall_minutely_local', '{replica}')"));
  const lookupView = statements.find((statement) => statement.startsWith('CREATE MATERIALIZED VIEW IF NOT EXISTS otel_traces_trace_id_ts_mv '));
  assert.match(lookupView ?? '', /ON CLUSTER 'stallscope' TO otel_traces_trace_id_ts_local AS/);
  assert.match(lookupView ?? '', /FROM otel_traces_local\b/);
  assert.ok(statements.includes("ALTER TABLE otel_traces_local ON CLUSTER 'stallscope' MODIFY SETTING non_replicated_deduplication_window = 10000"));

  const created = statementsOf(migrations).flatMap((statement) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(statement)?.[1] ?? []);
  assert.deepEqual([...created].sort(), Object.keys(DISTRIBUTED_SHARDING_KEYS).sort(), 'every table has a sharding key, and every key a table');
  for (const table of created) {
    assert.equal(statements.filter((statement) => statement.includes(`ENGINE = Distributed('stallscope', 'telemetry', '${table}_local'`)).length, 1, table);
  }
});

test('a statement the renderer does not know is refused, not passed through unclustered', () => {
  assert.throws(
    () => renderMigrationsForCluster([{ version: 99, name: 'drop', statements: ['DROP TABLE otel_traces'] }], target),
    /cannot render statement: DROP TABLE otel_traces/,
  );
});

test('scripts/render-cluster-migrations.mjs prints every rendered statement, in order, for review', () => {
  const script = join(import.meta.dirname, '..', 'scripts', 'render-cluster-migrations.mjs');
  const result = spawnSync(process.execPath, [script, target.cluster, target.database], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const expected = renderMigrationsForCluster(readMigrations(), target).flatMap((migration) => migration.statements.map((statement) => `${statement};`));
  let from = 0;
  for (const statement of expected) {
    const at = result.stdout.indexOf(statement, from);
    assert.ok(at >= from, `printed after the one before: ${statement.slice(0, 80)}`);
    from = at + statement.length;
  }
  const usage = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: render-cluster-migrations\.mjs <cluster> \[database\]/);
});
