import type { AnyValue, KeyValue } from './otlp-model.js';

function jsonOf(value: AnyValue): string {
  switch (value.type) {
    case 'empty':
      return 'null';
    case 'string':
      return JSON.stringify(value.value);
    case 'bool':
      return String(value.value);
    case 'int':
      return value.value.toString();
    case 'double':
      return Number.isFinite(value.value) ? String(value.value) : 'null';
    case 'bytes':
      return JSON.stringify(Buffer.from(value.value).toString('base64'));
    case 'array':
      return `[${value.values.map(jsonOf).join(',')}]`;
    case 'kvlist': {
      // A Go map: the last duplicate key wins and keys are marshalled sorted.
      const byKey = new Map(value.values.map((entry) => [entry.key, entry.value]));
      const keys = [...byKey.keys()].sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${jsonOf(byKey.get(key) ?? { type: 'empty' })}`).join(',')}}`;
    }
  }
}

/**
 * An attribute value as a string, the way the Collector's ClickHouse exporter
 * renders it (pcommon.Value.AsString): strings as-is, ints in full 64-bit
 * precision, doubles in shortest round-trip form, bytes as base64, arrays and
 * maps as JSON. Non-finite doubles, which Go cannot marshal, read
 * "NaN"/"Infinity" (null inside arrays and maps).
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
      return String(value.value);
    default:
      return jsonOf(value);
  }
}

/** Attributes as a Map(String, String) column value; a repeated key keeps its last value. */
export function attributesAsStrings(attributes: readonly KeyValue[]): Record<string, string> {
  // Object.fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(attributes.map((entry) => [entry.key, anyValueAsString(entry.value)]));
}

/** The value of one attribute as a string, '' when absent. */
export function attributeString(attributes: readonly KeyValue[], key: string): string {
  const entry = attributes.findLast((candidate) => candidate.key === key);
  return entry ? anyValueAsString(entry.value) : '';
}
