// The shared-store fixture the multi-process suites rely on: several clients
// of the project's HTTP store path see one engine, migrations apply through
// it, one request's settings never reach the next, bound parameters and
// engine errors arrive as a ClickHouse server gives them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { startChdbHttpServer, type ChdbHttpServer } from './fixtures/chdb-http-server.js';

let server: ChdbHttpServer;
let first: Store;
let second: Store;

function httpStore(url: string): Store {
  return createStore({ ...storeConfigDefaults, url, database: 'stallscope' }, { logger: createLogger('silent') });
}

before(async () => {
  server = await startChdbHttpServer();
  first = httpStore(server.url);
  second = httpStore(server.url);
  await first.start();
  await second.start();
  await first.client.command({
    query: 'CREATE TABLE fixture_rows (id UInt64, name String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100',
  });
});

after(async () => {
  await first?.stop();
  await second?.stop();
  await server?.stop();
});

async function count(store: Store, query: string, query_params: Record<string, unknown> = {}): Promise<number> {
  const result = await store.client.query({ query, query_params, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: string | number }>();
  return Number(row?.n);
}

test('both clients apply the migrations idempotently to the one engine and see the same tables', async () => {
  const tables = await count(second, "SELECT count() AS n FROM system.tables WHERE database = 'stallscope' AND name IN ('otel_traces', 'kernel_syscall_fleet_1h')");
  assert.equal(tables, 2);
});

test("an insert's deduplication token holds across clients and does not leak into the next insert", async () => {
  const rows = [1, 2, 3].map((id) => ({ id, name: `row ${id}` }));
  await first.client.insert({ table: 'fixture_rows', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'batch-1' } });
  await second.client.insert({ table: 'fixture_rows', values: rows, format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: 'batch-1' } });
  // No token: were batch-1's token still set in the engine's session, this block would be dropped as its duplicate.
  await second.client.insert({ table: 'fixture_rows', values: rows, format: 'JSONEachRow' });
  assert.equal(await count(first, 'SELECT count() AS n FROM fixture_rows'), 6);
  assert.equal(await count(first, 'SELECT uniqExact(id) AS n FROM fixture_rows'), 3);
});

test('bound parameters of every shape reach the engine as a server binds them', async () => {
  assert.equal(await count(first, 'SELECT count() AS n FROM fixture_rows WHERE id IN {ids:Array(UInt64)}', { ids: [1, 3] }), 4);
  assert.equal(await count(first, 'SELECT count() AS n FROM fixture_rows WHERE name = {name:String}', { name: 'row 2' }), 2);
  assert.equal(await count(first, "SELECT count() AS n FROM fixture_rows WHERE name != {name:String}", { name: "it's \\ odd" }), 6);
});

test("an engine error comes back as the server's error, with its code", async () => {
  await assert.rejects(
    first.client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }),
    (error: Error & { code?: string }) => error.code === '60' && /no_such_table/.test(error.message),
  );
});
