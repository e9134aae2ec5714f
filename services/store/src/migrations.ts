import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '@stallscope/common';
import { migrationsDir } from '@stallscope/schemas';

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

/**
 * Applies the migrations not yet recorded in the version table, in order.
 * Every statement is itself idempotent (IF NOT EXISTS), so a run interrupted
 * between a statement and its version row is safe to repeat.
 */
export async function applyMigrations(client: ClickHouseClient, logger: Logger, dir?: string): Promise<number[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE}
      (version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const result = await client.query({ query: `SELECT version FROM ${VERSION_TABLE} FINAL`, format: 'JSONEachRow' });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const newlyApplied: number[] = [];
  for (const migration of readMigrations(dir)) {
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
