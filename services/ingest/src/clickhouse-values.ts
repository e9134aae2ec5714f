// Value encodings for JSONEachRow inserts.
import { StoredMap, storedTextString } from './stored-map.js';

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * A DateTime64(9) value as "<seconds>.<9-digit nanoseconds>" since the epoch.
 * ClickHouse reads this form exactly and independently of the server's time
 * zone, unlike 'YYYY-MM-DD hh:mm:ss' text, which it reads in that zone.
 */
export function dateTime64NanosText(unixNanos: bigint): string {
  const seconds = unixNanos / NANOS_PER_SECOND;
  const nanos = unixNanos % NANOS_PER_SECOND;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}

/** Lowercase hex of an id, as the Collector's exporter writes TraceId/SpanId. */
export function hexId(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/**
 * A UInt64 as a decimal string: JSON numbers above 2^53 would be rounded by
 * JSON.stringify (and bigint is not serializable at all); ClickHouse parses
 * quoted integers into UInt64 columns.
 */
export function uint64Text(value: bigint): string {
  return value.toString();
}

/**
 * A Float64 for JSONEachRow: finite values as JSON numbers; NaN and the
 * infinities, which JSON cannot carry (JSON.stringify would write null, read
 * back as 0), as the quoted words ClickHouse parses into those values.
 */
export function float64Value(value: number): number | 'nan' | 'inf' | '-inf' {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'nan';
  return value > 0 ? 'inf' : '-inf';
}

function jsonValue(value: unknown): string {
  if (value instanceof StoredMap) return value.jsonText();
  if (value instanceof Uint8Array) return JSON.stringify(storedTextString(value));
  if (Array.isArray(value)) return `[${value.map(jsonValue).join(',')}]`;
  return JSON.stringify(value);
}

/**
 * Rows as JSONEachRow text. JSON.stringify would write a map as a JS object,
 * which holds a repeated key once; a StoredMap writes every entry in order.
 * Bytes that are not UTF-8 cannot be JSON text: they are written with U+FFFD
 * for each bad sequence (RowBinary keeps them). Columns whose value is
 * undefined are left out, as JSON.stringify does.
 */
export function jsonEachRowText(rows: readonly object[]): string {
  let text = '';
  for (const row of rows) {
    const fields: string[] = [];
    for (const [column, value] of Object.entries(row)) {
      if (value !== undefined) fields.push(`${JSON.stringify(column)}:${jsonValue(value)}`);
    }
    text += `{${fields.join(',')}}\n`;
  }
  return text;
}
