// A Map(String, String) column value as the Collector's ClickHouse exporter
// builds one (AttributesToMap: clickhouse-go's orderedmap.CollectN over
// pcommon.Map.Range): every entry in the order sent, a repeated key too, then
// sorted by key bytes with Go's slices.SortFunc. ClickHouse keeps a map's
// entries as given, repeated keys included, and `m[key]` reads the first.
import { goSortFunc } from './go-sort.js';
import type { StoredText } from './otlp-model.js';

export type StoredEntry = readonly [key: StoredText, value: StoredText];

const bytesOf = (text: StoredText) => (typeof text === 'string' ? Buffer.from(text) : text);

/** A stored text as a JS string; bytes that are not UTF-8 with U+FFFD for each bad sequence. */
export function storedTextString(text: StoredText): string {
  return typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
}

/**
 * Compares two keys by their UTF-8 bytes, which is code point order: UTF-16
 * units order the same except a surrogate (astral) against U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x < 0xd800 && y < 0xd800 ? x - y : (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
  }
  return a.length - b.length;
}

function compareKeys([a]: StoredEntry, [b]: StoredEntry): number {
  return typeof a === 'string' && typeof b === 'string' ? compareUtf8(a, b) : Buffer.compare(bytesOf(a), bytesOf(b));
}

export class StoredMap {
  readonly entries: readonly StoredEntry[];

  /**
   * Sorts `entries` in place as the exporter does (slices.SortFunc by key):
   * up to 12 entries a repeated key's entries keep the order sent; past 12,
   * Go's unstable pdqsort may reorder them, and goSortFunc does the same.
   */
  constructor(entries: StoredEntry[]) {
    this.entries = goSortFunc(entries, compareKeys);
  }

  /**
   * The map as a JSON object, repeated keys written each time (ClickHouse's
   * JSON input keeps them all). JSON text carries no bytes that are not
   * UTF-8: those are written with U+FFFD.
   */
  jsonText(): string {
    return `{${this.entries.map(([key, value]) => `${JSON.stringify(storedTextString(key))}:${JSON.stringify(storedTextString(value))}`).join(',')}}`;
  }
}
