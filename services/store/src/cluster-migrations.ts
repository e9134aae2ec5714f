import {
  DISTRIBUTED_SHARDING_KEYS,
  LOCAL_TABLE_SUFFIX,
  REPLICATED_TABLE_PATH_PREFIX,
  REPLICA_NAME,
} from '@stallscope/schemas';
import type { Migration } from './migrations.js';

export interface ClusterTarget {
  /** Name of the cluster in the servers' remote_servers configuration (or a macro such as {cluster}). */
  cluster: string;
  /** Database the Distributed tables read and write on every node. */
  database: string;
}

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)/;
const CREATE_VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+)/;
const ALTER_TABLE = /^ALTER TABLE (\w+)/;
const INSERT_SELECT = /^INSERT INTO \w+[\s\S]*\bSELECT\b/;
const MERGE_TREE_ENGINE = /ENGINE = (\w*MergeTree)\b(?:\(([^)]*)\))?/;

function quoted(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The tables the migrations create, in the order they do. */
function createdTables(migrations: readonly Migration[]): string[] {
  return migrations.flatMap((migration) =>
    migration.statements.flatMap((statement) => {
      const name = CREATE_TABLE.exec(statement)?.[1];
      return name === undefined ? [] : [name];
    }),
  );
}

/** Points every reference to a created table at its local table (views write and read on their own node). */
function withLocalNames(statement: string, tables: readonly string[]): string {
  return tables.reduce((text, table) => text.replace(new RegExp(`\\b${table}\\b`, 'g'), `${table}${LOCAL_TABLE_SUFFIX}`), statement);
}

function replicatedEngine(statement: string, localTable: string): string {
  const engine = MERGE_TREE_ENGINE.exec(statement);
  if (!engine) throw new Error(`cluster mode: ${localTable} has no MergeTree-family engine to replicate`);
  const [clause, family, params = ''] = engine;
  const args = [quoted(`${REPLICATED_TABLE_PATH_PREFIX}${localTable}`), quoted(REPLICA_NAME), ...(params.trim() ? [params.trim()] : [])];
  return statement.replace(clause, `ENGINE = Replicated${family}(${args.join(', ')})`);
}

function renderStatement(statement: string, tables: readonly string[], target: ClusterTarget): string[] {
  const onCluster = `ON CLUSTER ${quoted(target.cluster)}`;
  const local = withLocalNames(statement, tables);
  const table = CREATE_TABLE.exec(statement)?.[1];
  if (table !== undefined) {
    const shardingKey = DISTRIBUTED_SHARDING_KEYS[table];
    if (shardingKey === undefined) throw new Error(`cluster mode: no sharding key for ${table} (schemas cluster-layout)`);
    const localTable = `${table}${LOCAL_TABLE_SUFFIX}`;
    const created = local.replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${localTable} ${onCluster}`);
    return [
      replicatedEngine(created, localTable),
      `CREATE TABLE IF NOT EXISTS ${table} ${onCluster} AS ${localTable}
ENGINE = Distributed(${quoted(target.cluster)}, ${quoted(target.database)}, ${quoted(localTable)}, ${shardingKey})`,
    ];
  }
  if (CREATE_VIEW.test(statement)) return [local.replace(CREATE_VIEW, (head) => `${head} ${onCluster}`)];
  if (ALTER_TABLE.test(local)) return [local.replace(ALTER_TABLE, (head) => `${head} ${onCluster}`)];
  // A backfill runs once, from the migrating node, between the Distributed
  // tables: it reads every shard and writes each row to its own shard.
  if (INSERT_SELECT.test(statement)) return [statement];
  throw new Error(`cluster mode: cannot render statement: ${statement.slice(0, 80)}`);
}

/**
 * The migrations as they run on a cluster, rendered from the same files:
 * ON CLUSTER on every CREATE and ALTER; each table created as <name>_local
 * with the Replicated engine of its family (Keeper path per shard, database
 * and table) plus a Distributed table under its public name, sharded by the
 * key in DISTRIBUTED_SHARDING_KEYS; views and ALTERs work on the local tables;
 * INSERT ... SELECT backfills stay as written, on the Distributed tables.
 * Versions and names stay those of the files, so the version table records
 * the same history in both modes.
 */
export function renderMigrationsForCluster(migrations: readonly Migration[], target: ClusterTarget): Migration[] {
  const tables = createdTables(migrations);
  return migrations.map((migration) => ({
    ...migration,
    statements: migration.statements.flatMap((statement) => renderStatement(statement, tables, target)),
  }));
}
