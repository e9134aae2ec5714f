// Real engine: embedded chDB with every migration applied. The sizing tables
// of docs/deployment.md are what operators plan disks and brokers by, so they
// must say what the migrations create: each table's partition key and TTL as
// the engine reports them, its sharding key in cluster mode as the renderer
// uses it, and every topic the pipeline uses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { DISTRIBUTED_SHARDING_KEYS, Topics } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { repoRoot } from './fixtures/repo.js';

const doc = readFileSync(join(repoRoot, 'docs', 'deployment.md'), 'utf8');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-deploy-doc-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger: createLogger('silent') });

/** The rows of the first table under a heading: cells without their backticks. */
function tableUnder(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/deployment.md has a heading ${heading}`);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim().replaceAll('`', '')));
  }
  return rows;
}

before(() => store.start());
after(async () => {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the ClickHouse tables of the sizing section are those the migrations create, with their partitions, TTLs and sharding keys', async () => {
  const result = await store.client.query({
    query: `SELECT name, partition_key, engine_full FROM system.tables
            WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name != 'stallscope_schema_migrations'
            ORDER BY name`,
    format: 'JSONEachRow',
  });
  const tables = await result.json<{ name: string; partition_key: string; engine_full: string }>();
  const documented = new Map(tableUnder('### ClickHouse tables').map(([table, , partition, ttl, shardingKey]) => [table!, { partition, ttl, shardingKey }]));
  assert.deepEqual([...documented.keys()].sort(), tables.map((table) => table.name), 'one row per table of the migrations');
  for (const table of tables) {
    const row = documented.get(table.name)!;
    assert.equal(row.partition, table.partition_key || 'none', `${table.name}: partition`);
    const ttlDays = / TTL .*\btoIntervalDay\((\d+)\)/.exec(table.engine_full)?.[1];
    assert.equal(row.ttl, ttlDays === undefined ? 'none' : `${ttlDays} days`, `${table.name}: retention`);
    assert.equal(row.shardingKey, DISTRIBUTED_SHARDING_KEYS[table.name], `${table.name}: sharding key`);
  }
});

test('the Kafka topics of the sizing section are the pipeline\'s', () => {
  const topics = tableUnder('### Kafka topics').map(([topic]) => topic);
  assert.deepEqual(topics.sort(), Object.values(Topics).sort());
});
