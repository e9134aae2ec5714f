import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '@stallscope/common';
import { migrationsDir } from '@stallscope/schemas';
import { renderMigrationsForCluster, type ClusterTarget } from './cluster-migrations.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Splits a migration file into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
}

export function readMigrations(dir: string = migrationsDir): Migration[] {
  return readdirSync(dir)
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({
      version: Number(match[1]),
      name: match[2] ?? file,
      statements: splitStatements(readFileSync(join(dir, file), 'utf8')),
    }))
    .sort((a, b) => a.version - b.version);
}

const VERSION_TABLE = 'stallscope_schema_migrations';
const VERSION_COLUMNS = '(version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3))';

/**
 * The version table. On a cluster every node is a replica of one table (no
 * {shard} in its path), so a migration applied through any node counts as
 * applied for all of them: its statements ran ON CLUSTER.
 */
function versionTableDdl(cluster: ClusterTarget | undefined): string {
  if (cluster === undefined) {
    return `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} ${VERSION_COLUMNS} ENGINE = ReplacingMergeTree ORDER BY version`;
  }
  return `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} ON CLUSTER '${cluster.cluster}' ${VERSION_COLUMNS}
    ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{database}/${VERSION_TABLE}', '{replica}') ORDER BY version`;
}

export interface MigrationTarget {
  /** Cluster name, '' for a single node. */
  cluster: string;
  database: string;
}

/**
 * Applies the migrations not yet recorded in the version table, in order,
 * rendered for the cluster when one is named. Every statement is itself
 * idempotent (IF NOT EXISTS), so a run interrupted between a statement and
 * its version row is safe to repeat.
 */
export async function applyMigrations(
  client: ClickHouseClient,
  logger: Logger,
  target: MigrationTarget = { cluster: '', database: 'default' },
  dir?: string,
): Promise<number[]> {
  const cluster = target.cluster === '' ? undefined : { cluster: target.cluster, database: target.database };
  await client.command({ query: versionTableDdl(cluster) });
  const result = await client.query({ query: `SELECT version FROM ${VERSION_TABLE} FINAL`, format: 'JSONEachRow' });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const newlyApplied: number[] = [];
  const migrations = readMigrations(dir);
  for (const migration of cluster === undefined ? migrations : renderMigrationsForCluster(migrations, cluster)) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements) await client.command({ query: statement });
    await client.insert({
      table: VERSION_TABLE,
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    });
    logger.info({ version: migration.version, name: migration.name }, 'applied schema migration');
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
