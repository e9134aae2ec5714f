import type { AnyValue, KeyValue, StoredText } from './otlp-model.js';
import { StoredMap } from './stored-map.js';

/** Go's encoding/json string (HTML escaping off, as pdata sets it): JSON.stringify's, plus U+2028/U+2029, which Go always escapes. */
export function goJsonString(text: string): string {
  return JSON.stringify(text).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

const inRange = (byte: number | undefined, low: number, high: number) => byte !== undefined && byte >= low && byte <= high;

/** The length of the UTF-8 sequence at `at` when it is valid (as Go's utf8.DecodeRune takes it), else 0. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!;
  if (lead < 0x80) return 1;
  const [b1, b2, b3] = [bytes[at + 1], bytes[at + 2], bytes[at + 3]];
  if (lead >= 0xc2 && lead <= 0xdf) return inRange(b1, 0x80, 0xbf) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return inRange(b1, low, high) && inRange(b2, 0x80, 0xbf) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    // No overlong forms (F0 80..8F) and nothing past U+10FFFF (F4 90..).
    const [low, high] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return inRange(b1, low, high) && inRange(b2, 0x80, 0xbf) && inRange(b3, 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}

/**
 * Go's encoding/json string of bytes that are not UTF-8: each byte that starts
 * no valid sequence is written as the escape \ufffd (DecodeRune's one-byte
 * error), the valid runs between as goJsonString writes them.
 */
function goJsonBytesString(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let runStart = 0;
  let at = 0;
  while (at < view.length) {
    const length = sequenceLength(view, at);
    if (length > 0) {
      at += length;
      continue;
    }
    if (at > runStart) out += goJsonString(view.toString('utf8', runStart, at)).slice(1, -1);
    out += '\\ufffd';
    at += 1;
    runStart = at;
  }
  if (at > runStart) out += goJsonString(view.toString('utf8', runStart, at)).slice(1, -1);
  return `"${out}"`;
}

const keyJson = (entry: KeyValue) => (entry.keyBytes ? goJsonBytesString(entry.keyBytes) : goJsonString(entry.key));
const keyBytesOf = (entry: KeyValue) => Buffer.from(entry.keyBytes ?? entry.key);

/** ES6 Number-to-String, as Go's float64AsString, except that Go keeps the sign of -0. */
export function doubleText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function jsonOf(value: AnyValue): string {
  switch (value.type) {
    case 'empty':
      return 'null';
    case 'string':
      return value.bytes ? goJsonBytesString(value.bytes) : goJsonString(value.value);
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
      // A Go map: the last duplicate key (by its bytes) wins and keys are marshalled
      // sorted by their bytes (JS's default sort compares UTF-16 units: astral keys differ).
      const byKey = new Map(value.values.map((entry) => [keyBytesOf(entry).toString('latin1'), entry]));
      const entries = [...byKey.values()].sort((a, b) => Buffer.compare(keyBytesOf(a), keyBytesOf(b)));
      return `{${entries.map((entry) => `${keyJson(entry)}:${jsonOf(entry.value)}`).join(',')}}`;
    }
  }
}

/**
 * An attribute value as a string, the way the Collector's ClickHouse exporter
 * renders it (pcommon.Value.AsString): strings as-is (bytes that are not
 * UTF-8 as sent; inside arrays and maps each bad byte as \ufffd), ints in full 64-bit
 * precision, doubles in shortest round-trip form, bytes as base64, arrays and
 * maps as JSON (Go's: map keys in byte order, U+2028/U+2029 escaped, -0
 * signed, empty bytes null). Non-finite doubles read "NaN"/"Infinity"; an
 * array or map holding one anywhere reads "", since Go's json.Marshal fails on
 * it and pdata keeps the empty output.
 */
export function anyValueAsString(value: AnyValue): StoredText {
  switch (value.type) {
    case 'empty':
      return '';
    case 'string':
      return value.bytes ?? value.value;
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
  return new StoredMap(attributes.map((entry) => [entry.keyBytes ?? entry.key, anyValueAsString(entry.value)]));
}

/** The value of one attribute as a string, '' when absent; of repeated keys the first, as pcommon.Map.Get. */
export function attributeString(attributes: readonly KeyValue[], key: string): StoredText {
  const entry = attributes.find((candidate) => candidate.key === key);
  return entry ? anyValueAsString(entry.value) : '';
}
