import { randomUUID } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Store } from '@stallscope/store';
import { jsonEachRowText } from './clickhouse-values.js';
import { columnCodec, EncodedRow, encodeRowBinary, UnsupportedColumnTypeError, type ColumnCodec } from './row-binary.js';

/** Per-query settings, as the store's client takes them. */
export type ClickHouseSettings = NonNullable<Parameters<Store['client']['command']>[0]['clickhouse_settings']>;

/** A table's insert columns with their codecs, or why it cannot take RowBinary. */
export type TableCodecs = { columns: (readonly [string, ColumnCodec])[] } | { unsupported: string };

/** A table's columns that take input, with their types, from DESCRIBE TABLE (ALIAS and MATERIALIZED columns take none). */
export async function storedColumns(client: Store['client'], table: string): Promise<{ name: string; type: string }[]> {
  const result = await client.query({ query: `DESCRIBE TABLE ${table}`, format: 'JSONEachRow' });
  const described = await result.json<{ name: string; type: string; default_type: string }>();
  return described.filter((column) => column.default_type !== 'ALIAS' && column.default_type !== 'MATERIALIZED');
}

/** The codecs of a table's stored columns. */
export async function tableCodecs(client: Store['client'], table: string): Promise<TableCodecs> {
  const described = await storedColumns(client, table);
  try {
    return { columns: described.map((column) => [column.name, columnCodec(column.type)] as const) };
  } catch (err) {
    if (err instanceof UnsupportedColumnTypeError) return { unsupported: err.message };
    throw err;
  }
}

/** One insert's rows in RowBinary (the chunks of one body), with the column list they fill. */
interface RowBinaryPayload {
  columnList: string;
  chunks: Buffer[];
}

/**
 * Encodes rows as RowBinary (or takes them as EncodedRow has them). Only the
 * columns the rows have are listed; the others take their defaults, as with
 * JSONEachRow.
 */
function rowBinaryPayload(table: string, codecs: readonly (readonly [string, ColumnCodec])[], rows: readonly object[]): RowBinaryPayload | undefined {
  const first = rows[0];
  if (!first) return undefined;
  // Rows already encoded (spans taken straight from protobuf) set the columns; rows
  // decoded first in the same batch (spans with events) have the same ones.
  const encoded = rows.find((row): row is EncodedRow => row instanceof EncodedRow);
  const decoded = rows.find((row) => !(row instanceof EncodedRow));
  const columns = encoded?.columns ?? codecs.filter(([name]) => name in first).map(([name]) => name);
  // A value without a column would be dropped without a word; JSONEachRow would reject it too.
  const unknown = [...(encoded?.columns ?? []), ...(decoded ? Object.keys(decoded) : [])].filter((name) => !codecs.some(([column]) => column === name));
  if (unknown.length > 0) throw new Error(`table ${table} has no column ${[...new Set(unknown)].join(', ')}; its rows cannot be inserted`);
  if (encoded && decoded && Object.keys(decoded).some((name) => !columns.includes(name))) {
    throw new Error(`rows of ${table} decoded first have columns the encoded ones lack; they cannot share an insert`);
  }
  return {
    columnList: columns.map((name) => `\`${name}\``).join(', '),
    chunks: encodeRowBinary(rows, columns.map((name) => codecs.find(([column]) => column === name)!)),
  };
}

/**
 * Inserts rows as RowBinary. A ClickHouse server reads them as the body of
 * the INSERT request, as it reads any input format. The embedded engine reads
 * them with INSERT ... FROM INFILE: chDB's client API passes an insert body as
 * a string, which binary data would not survive, but it reads a file byte for
 * byte. The file, in the store's insert-file directory, lives only for the
 * insert.
 */
export async function insertRowBinary(
  store: Pick<Store, 'client' | 'insertFileDir'>,
  table: string,
  codecs: readonly (readonly [string, ColumnCodec])[],
  rows: readonly object[],
  settings: ClickHouseSettings,
): Promise<void> {
  const payload = rowBinaryPayload(table, codecs, rows);
  if (!payload) return;
  if (store.insertFileDir === undefined) {
    const result = await store.client.exec({
      query: `INSERT INTO ${table} (${payload.columnList}) FORMAT RowBinary`,
      values: Readable.from(payload.chunks),
      clickhouse_settings: settings,
    });
    // The answer to an insert is empty; reading it to its end frees the connection.
    await finished(result.stream.resume());
    return;
  }
  const path = join(store.insertFileDir, `${randomUUID()}.rowbinary`);
  await writeFile(path, payload.chunks);
  try {
    await store.client.command({
      query: `INSERT INTO ${table} (${payload.columnList}) FROM INFILE '${path.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}' FORMAT RowBinary`,
      clickhouse_settings: settings,
    });
  } finally {
    await unlink(path);
  }
}

/**
 * Inserts rows as JSONEachRow text built by jsonEachRowText (a map's repeated
 * keys kept), sent as the insert query's inline data.
 */
export async function insertJsonEachRow(
  client: Store['client'],
  table: string,
  rows: readonly object[],
  settings: ClickHouseSettings,
): Promise<void> {
  if (rows.length === 0) return;
  if (rows[0] instanceof EncodedRow) throw new Error(`rows of ${table} are RowBinary already and cannot go as JSONEachRow`);
  await client.command({ query: `INSERT INTO ${table} FORMAT JSONEachRow\n${jsonEachRowText(rows)}`, clickhouse_settings: settings });
}
