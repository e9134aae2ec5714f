// One insert into table t of an embedded engine at argv[2], with the
// deduplication token argv[4], as the ingest makes them; prints the table's
// rows after it as {"rows":N,"sum":S}. A process of its own per call: the
// engine opens a directory once per process.
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults } from '../../dist/index.js';

const [path, value, token] = process.argv.slice(2);
const store = createStore({ ...storeConfigDefaults, chdbPath: path, migrate: false }, { logger: createLogger('warn') });
await store.start();
await store.client.command({ query: 'CREATE TABLE IF NOT EXISTS t (x UInt64) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100' });
await store.client.insert({ table: 't', values: [{ x: Number(value) }], format: 'JSONEachRow', clickhouse_settings: { insert_deduplication_token: token } });
const result = await store.client.query({ query: 'SELECT count() AS rows, sum(x) AS sum FROM t', format: 'JSONEachRow' });
const [row] = await result.json();
console.log(JSON.stringify({ rows: Number(row.rows), sum: Number(row.sum) }));
await store.stop();
