// A Map(String, String) column value as the Collector's ClickHouse exporter
// builds one (AttributesToMap: clickhouse-go's orderedmap.CollectN over
// pcommon.Map.Range): every entry in the order sent, a repeated key too, then
// sorted by key bytes. ClickHouse keeps a map's entries as given, repeated keys
// included, and `m[key]` reads the first.

export type StoredEntry = readonly [key: string, value: string];

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

export class StoredMap {
  readonly entries: readonly StoredEntry[];

  /**
   * Sorts `entries` in place, stably. Go's slices.SortFunc is stable up to 12
   * entries (insertion sort), so a repeated key's values keep their order as
   * the Collector's do; past 12 its pdqsort may order equal keys otherwise.
   */
  constructor(entries: StoredEntry[]) {
    this.entries = entries.sort((a, b) => compareUtf8(a[0], b[0]));
  }

  /** The map as a JSON object, repeated keys written each time (ClickHouse's JSON input keeps them all). */
  jsonText(): string {
    return `{${this.entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
  }
}
