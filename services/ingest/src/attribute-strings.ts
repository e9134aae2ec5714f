import type { AnyValue, KeyValue } from './otlp-model.js';
import { StoredMap } from './stored-map.js';

/** Go's encoding/json string (HTML escaping off, as pdata sets it): JSON.stringify's, plus U+2028/U+2029, which Go always escapes. */
function goJsonString(text: string): string {
  return JSON.stringify(text).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

/** ES6 Number-to-String, as Go's float64AsString, except that Go keeps the sign of -0. */
function doubleText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function jsonOf(value: AnyValue): string {
  switch (value.type) {
    case 'empty':
      return 'null';
    case 'string':
      return goJsonString(value.value);
    case 'bool':
      return String(value.value);
    case 'int':
      return value.value.toString();
    case 'double':
      return doubleText(value.value);
    case 'bytes':
      // pdata's ByteSlice.AsRaw of no bytes is a nil slice, which Go marshals as null.
      return value.value.length === 0 ? 'null' : JSON.stringify(Buffer.from(value.value).toString('base64'));
    case 'array':
      return `[${value.values.map(jsonOf).join(',')}]`;
    case 'kvlist': {
      // A Go map: the last duplicate key wins and keys are marshalled sorted by
      // their UTF-8 bytes (JS's default sort compares UTF-16 units: astral keys differ).
      const byKey = new Map(value.values.map((entry) => [entry.key, entry.value]));
      const keys = [...byKey.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      return `{${keys.map((key) => `${goJsonString(key)}:${jsonOf(byKey.get(key) ?? { type: 'empty' })}`).join(',')}}`;
    }
  }
}

/**
 * An attribute value as a string, the way the Collector's ClickHouse exporter
 * renders it (pcommon.Value.AsString): strings as-is, ints in full 64-bit
 * precision, doubles in shortest round-trip form, bytes as base64, arrays and
 * maps as JSON (Go's: map keys in byte order, U+2028/U+2029 escaped, -0
 * signed, empty bytes null). Non-finite doubles read "NaN"/"Infinity"; an
 * array or map holding one anywhere reads "", since Go's json.Marshal fails on
 * it and pdata keeps the empty output.
 */
export function anyValueAsString(value: AnyValue): string {
  switch (value.type) {
    case 'empty':
      return '';
    case 'string':
      return value.value;
    case 'bytes':
      return Buffer.from(value.value).toString('base64');
    case 'double':
      return doubleText(value.value);
    default:
      return holdsNonFinite(value) ? '' : jsonOf(value);
  }
}

function holdsNonFinite(value: AnyValue): boolean {
  switch (value.type) {
    case 'double':
      return !Number.isFinite(value.value);
    case 'array':
      return value.values.some(holdsNonFinite);
    case 'kvlist':
      return value.values.some((entry) => holdsNonFinite(entry.value));
    default:
      return false;
  }
}

/** Attributes as a Map(String, String) column value: every entry, a repeated key each time, sorted by key bytes. */
export function attributesAsStrings(attributes: readonly KeyValue[]): StoredMap {
  return new StoredMap(attributes.map((entry) => [entry.key, anyValueAsString(entry.value)]));
}

/** The value of one attribute as a string, '' when absent; of repeated keys the first, as pcommon.Map.Get. */
export function attributeString(attributes: readonly KeyValue[], key: string): string {
  const entry = attributes.find((candidate) => candidate.key === key);
  return entry ? anyValueAsString(entry.value) : '';
}
