import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { withLifecycle, type Component, type Logger } from '@stallscope/common';
import type { StoreConfig } from './config.js';
import { repairDeduplicationLogs } from './deduplication-log-repair.js';
import { checkDiskFloor, freeBytes } from './disk-floor.js';
import { applyMigrations } from './migrations.js';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export interface Store extends Component {
  /** Usable after start resolves. */
  readonly client: ClickHouseClient;
  /** 'chdb' (embedded engine) or 'http' (a ClickHouse server). */
  readonly kind: 'chdb' | 'http';
  /**
   * Throws StoreDiskFloorError while the embedded engine's filesystem is below
   * store.minFreeBytes free; a ClickHouse server keeps its own reserve
   * (keep_free_space_bytes), so an http store never throws.
   */
  checkWritable(): void;
  /** The embedded engine's filesystem: its free bytes and store.minFreeBytes; undefined for a server store. */
  diskSpace(): { freeBytes: number; minFreeBytes: number } | undefined;
  /**
   * Where an insert into the embedded engine writes the file the engine reads
   * (INSERT ... FROM INFILE), beside its data: on the filesystem the free-space
   * floor watches, and emptied on start of what a killed process left there.
   * Undefined for a server store, which takes rows as a stream.
   */
  readonly insertFileDir: string | undefined;
}

export interface StoreDeps {
  logger: Logger;
}

/** The directory of an embedded store's insert files, beside its data directory. */
function insertFileDirOf(chdbPath: string): string {
  return `${resolve(chdbPath)}-inserts`;
}

/**
 * Empties the insert-file directory: one process at a time opens an embedded
 * store, so at start every file there outlived an insert whose process was
 * killed mid-way; nothing else would ever remove it.
 */
function sweepInsertFiles(dir: string, logger: Logger): void {
  mkdirSync(dir, { recursive: true });
  const left = readdirSync(dir);
  for (const name of left) rmSync(resolve(dir, name), { recursive: true, force: true });
  if (left.length > 0) logger.warn({ dir, files: left.length }, 'removed insert files a killed process left behind');
}

async function connect(config: StoreConfig, logger: Logger): Promise<ClickHouseClient> {
  if (config.url !== '') {
    return createClient({
      url: config.url,
      database: config.database,
      username: config.username,
      password: config.password,
      request_timeout: config.requestTimeoutMs,
    });
  }
  if (config.chdbPath === '') throw new Error('store.chdbPath must name a directory when store.url is empty');
  const path = resolve(config.chdbPath);
  mkdirSync(path, { recursive: true });
  sweepInsertFiles(insertFileDirOf(path), logger);
  const dropped = repairDeduplicationLogs(path);
  if (dropped.length > 0) {
    logger.warn(
      { records: dropped.length, parts: dropped.slice(0, 10).map(({ table, part }) => `${table}: ${part}`) },
      'the engine stopped mid-insert last time: dropped deduplication records of parts never committed, so their batches are stored when delivered again',
    );
  }
  // Imported here, not at the top: the engine is ~140 MB resident, and a
  // process that only reads the store's config or talks HTTP must not map it.
  const { createChdbConnection } = await import('chdb/connection');
  // chdb types its connection against @clickhouse/client-common, which the
  // client bundles under another path; the runtime contract is the same.
  const connection = createChdbConnection({ path }) as unknown as ClientConnection;
  return createClient({ connection });
}

/** The ClickHouse store: connects (chDB or HTTP), creates the database and applies migrations on start. */
export function createStore(config: StoreConfig, deps: StoreDeps): Store {
  const logger = deps.logger.child({ component: 'store' });
  const kind = config.url === '' ? 'chdb' : 'http';
  const dataPath = resolve(config.chdbPath);
  let client: ClickHouseClient | undefined;
  const lifecycle = withLifecycle({
    async start() {
      if (kind === 'http' && config.database !== 'default' && config.migrate) {
        const bootstrap = createClient({ url: config.url, username: config.username, password: config.password });
        await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.database}` });
        await bootstrap.close();
      }
      if (kind === 'chdb' && config.cluster !== '') throw new Error('store.cluster needs a ClickHouse server (store.url); chDB is one node');
      client = await connect(config, logger);
      if (config.migrate) await applyMigrations(client, logger, { cluster: config.cluster, database: config.database });
      logger.info({ kind, target: kind === 'chdb' ? resolve(config.chdbPath) : config.url }, 'store ready');
    },
    async stop() {
      await client?.close();
    },
  });
  return {
    kind,
    insertFileDir: kind === 'chdb' ? insertFileDirOf(dataPath) : undefined,
    get client() {
      if (!client) throw new Error('store used before start');
      return client;
    },
    checkWritable() {
      if (kind === 'chdb') checkDiskFloor(dataPath, config.minFreeBytes);
    },
    diskSpace() {
      return kind === 'chdb' ? { freeBytes: freeBytes(dataPath), minFreeBytes: config.minFreeBytes } : undefined;
    },
    start: lifecycle.start,
    stop: lifecycle.stop,
  };
}
