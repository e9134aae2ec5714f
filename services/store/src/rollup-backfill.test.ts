// Real engine: embedded chDB in a temporary directory (its own file: chDB
// allows one data path per process). Migrations up to 0013 first, a point that
// only kernel_syscall_minutely sees, then the rest: the new rollups (per host,
// then fleet-level from those) start with that history, once, however often
// their statements run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { createLogger } from '@stallscope/common';
import { migrationsDir } from '@stallscope/schemas';
import { applyMigrations, readMigrations } from './migrations.js';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
const FIRST_ROLLUP_MIGRATION = 14;

test('the per-minute and per-hour rollups, per host and fleet-level, are backfilled once from kernel_syscall_minutely', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-backfill-'));
  const earlier = join(dir, 'earlier-migrations');
  mkdirSync(earlier);
  for (const file of readdirSync(migrationsDir).filter((name) => Number(name.slice(0, 4)) < FIRST_ROLLUP_MIGRATION)) {
    copyFileSync(join(migrationsDir, file), join(earlier, file));
  }
  const connection = createChdbConnection({ path: join(dir, 'chdb') }) as unknown as ClientConnection;
  const client = createClient({ connection });
  const logger = createLogger('silent');
  try {
    await applyMigrations(client, logger, undefined, earlier);
    const timeUnix = Math.floor(Date.now() / 1000) - 600;
    await client.insert({
      table: 'otel_metrics_exponential_histogram',
      values: [
        {
          ResourceAttributes: { 'host.name': 'host-a' },
          ServiceName: 'api',
          MetricName: 'syscall.duration',
          Attributes: { 'stallscope.syscall.name': 'fsync', 'stallscope.wait_class': 'disk' },
          TimeUnix: `${timeUnix}.000000000`,
          Count: '3',
          Sum: 3e6,
          Scale: 0,
          PositiveOffset: 20,
          PositiveBucketCounts: ['3'],
          Max: 1.5e6,
          AggregationTemporality: 1,
        },
      ],
      format: 'JSONEachRow',
    });
    const applied = await applyMigrations(client, logger);
    assert.deepEqual(applied.slice(0, 2), [14, 15], 'the rollup migrations run next');
    for (const statement of readMigrations().flatMap((migration) => migration.statements)) await client.command({ query: statement });
    const result = await client.query({
      query: `SELECT * FROM (
                SELECT 'minute' AS rollup, sum(Calls) AS calls, sumMap(Buckets) AS buckets, any(WaitClassRule) AS rule FROM kernel_syscall_rollup_1m
                UNION ALL
                SELECT 'hour', sum(Calls), sumMap(Buckets), any(WaitClassRule) FROM kernel_syscall_rollup_1h
                UNION ALL
                SELECT 'fleet minute', sum(Calls), sumMap(Buckets), toString(uniqExactMerge(Hosts)) FROM kernel_syscall_fleet_1m
                UNION ALL
                SELECT 'fleet hour', sum(Calls), sumMap(Buckets), toString(uniqExactMerge(Hosts)) FROM kernel_syscall_fleet_1h
              ) ORDER BY rollup`,
      format: 'JSONEachRow',
    });
    // The fleet rows carry the set of hosts where the per-host rows carry the rule.
    assert.deepEqual(await result.json(), [
      { rollup: 'fleet hour', calls: 3, buckets: [[20], [3]], rule: '1' },
      { rollup: 'fleet minute', calls: 3, buckets: [[20], [3]], rule: '1' },
      { rollup: 'hour', calls: 3, buckets: [[20], [3]], rule: '' },
      { rollup: 'minute', calls: 3, buckets: [[20], [3]], rule: '' },
    ]);
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
