import { randomUUID } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '@stallscope/store';
import { jsonEachRowText } from './clickhouse-values.js';
import { columnCodec, encodeRowBinary, UnsupportedColumnTypeError, type ColumnCodec } from './row-binary.js';

/** Per-query settings, as the store's client takes them. */
export type ClickHouseSettings = NonNullable<Parameters<Store['client']['command']>[0]['clickhouse_settings']>;

/** A table's insert columns with their codecs, or why it cannot take RowBinary. */
export type TableCodecs = { columns: (readonly [string, ColumnCodec])[] } | { unsupported: string };

/** The codecs of a table's stored columns, from DESCRIBE TABLE (ALIAS and MATERIALIZED columns take no input). */
export async function tableCodecs(client: Store['client'], table: string): Promise<TableCodecs> {
  const result = await client.query({ query: `DESCRIBE TABLE ${table}`, format: 'JSONEachRow' });
  const described = await result.json<{ name: string; type: string; default_type: string }>();
  try {
    return {
      columns: described
        .filter((column) => column.default_type !== 'ALIAS' && column.default_type !== 'MATERIALIZED')
        .map((column) => [column.name, columnCodec(column.type)] as const),
    };
  } catch (err) {
    if (err instanceof UnsupportedColumnTypeError) return { unsupported: err.message };
    throw err;
  }
}

/**
 * Encodes rows as RowBinary and has the embedded engine read them with
 * INSERT ... FROM INFILE: chDB's client API passes an insert body as a string,
 * which binary data would not survive, but it reads a file byte for byte. The
 * file lives only for the insert. Only the columns the rows have are listed;
 * the others take their defaults, as with JSONEachRow.
 */
export async function insertRowBinaryFromFile(
  client: Store['client'],
  table: string,
  codecs: readonly (readonly [string, ColumnCodec])[],
  rows: readonly object[],
  settings: ClickHouseSettings,
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = codecs.filter(([name]) => name in first);
  // A value without a column would be dropped without a word; JSONEachRow would reject it too.
  const unknown = Object.keys(first).filter((name) => !codecs.some(([column]) => column === name));
  if (unknown.length > 0) throw new Error(`table ${table} has no column ${unknown.join(', ')}; its rows cannot be inserted`);
  const path = join(tmpdir(), `stallscope-insert-${process.pid}-${randomUUID()}.rowbinary`);
  await writeFile(path, encodeRowBinary(rows, columns));
  try {
    const columnList = columns.map(([name]) => `\`${name}\``).join(', ');
    await client.command({
      query: `INSERT INTO ${table} (${columnList}) FROM INFILE '${path.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}' FORMAT RowBinary`,
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
  await client.command({ query: `INSERT INTO ${table} FORMAT JSONEachRow\n${jsonEachRowText(rows)}`, clickhouse_settings: settings });
}
