// The golden dataset's generator: its rows cover every pair of values of
// every two dimensions, its ids are unique and fixed by the seed, and its
// protobuf and JSON forms decode (by the ingest's own decoder) to the same spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeExportTraceServiceRequest } from '@stallscope/ingest';
import { allPairs, exportRequestJson, exportRequestProto, goldenSpans, GOLDEN_ROWS, jsonRepresentable, VALUE_CASES } from './fixtures/golden-spans.js';

function uncoveredPairs(sizes: readonly number[], rows: readonly number[][]): string[] {
  const missing: string[] = [];
  for (let a = 0; a < sizes.length; a += 1) {
    for (let b = a + 1; b < sizes.length; b += 1) {
      for (let v = 0; v < sizes[a]!; v += 1) {
        for (let w = 0; w < sizes[b]!; w += 1) {
          if (!rows.some((row) => row[a] === v && row[b] === w)) missing.push(`dim${a}=${v} x dim${b}=${w}`);
        }
      }
    }
  }
  return missing;
}

test('allPairs covers every pair of values of every two dimensions, with in-range values', () => {
  for (const sizes of [[2, 2, 2], [3, 3, 3, 3], [5, 6, 3, 3, 2, 2, 19, 3, 3], [7, 1, 4, 2, 5]]) {
    const rows = allPairs(sizes);
    assert.deepEqual(uncoveredPairs(sizes, rows), [], `sizes ${sizes.join(',')}`);
    for (const row of rows) assert.ok(row.every((value, dimension) => value >= 0 && value < sizes[dimension]!));
    // Pairwise, not the full product.
    assert.ok(rows.length < sizes.reduce((a, b) => a * b, 1) || sizes.length <= 2);
  }
  assert.ok(GOLDEN_ROWS.length < VALUE_CASES.length * 8, `${GOLDEN_ROWS.length} rows for ${VALUE_CASES.length} value cases`);
});

test('goldenSpans: ids unique, fixed by the seed, different per seed', () => {
  const spans = goldenSpans('seed-a', 'svc', 1_700_000_000_123_456_789n);
  assert.equal(new Set(spans.map((span) => span.spanId)).size, spans.length);
  assert.equal(new Set(spans.map((span) => span.traceId)).size, spans.length);
  assert.deepEqual(goldenSpans('seed-a', 'svc', 1_700_000_000_123_456_789n), spans);
  const other = goldenSpans('seed-b', 'svc', 1_700_000_000_123_456_789n);
  assert.ok(other.every((span, i) => span.spanId !== spans[i]!.spanId && span.traceId !== spans[i]!.traceId));
});

test('the protobuf and JSON encodings carry the same spans, int64 and nanoseconds exact', () => {
  const spans = jsonRepresentable(goldenSpans('seed-c', 'svc', 1_700_000_000_123_456_789n));
  const fromProto = decodeExportTraceServiceRequest(exportRequestProto(spans));
  const fromJson = decodeExportTraceServiceRequest(Buffer.from(exportRequestJson(spans)));
  assert.deepEqual(fromJson, fromProto);
  assert.equal(fromProto.resourceSpans.length, spans.length);
  const first = fromProto.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.equal(first.startTimeUnixNano, spans[0]!.startTimeUnixNano);
  const int64Max = fromProto.resourceSpans
    .flatMap((resource) => resource.scopeSpans[0]!.spans[0]!.attributes)
    .find((attribute) => attribute.key === 'golden.int64-max');
  assert.deepEqual(int64Max?.value, { type: 'int', value: 9_223_372_036_854_775_807n });
});

test('the protobuf encoding sends keys and strings that are not UTF-8 as their bytes; the JSON one cannot, and refuses them', () => {
  const spans = goldenSpans('seed-d', 'svc', 1_700_000_000_123_456_789n);
  const attributes = decodeExportTraceServiceRequest(exportRequestProto(spans)).resourceSpans.flatMap((resource) => resource.scopeSpans[0]!.spans[0]!.attributes);
  const invalid = attributes.find((attribute) => attribute.keyBytes !== undefined);
  assert.ok(invalid, 'a span attribute has a key that is not UTF-8');
  assert.equal(Buffer.from(invalid.keyBytes!).toString('hex'), Buffer.from('golden.key-\xff', 'latin1').toString('hex'));
  assert.equal(invalid.value.type, 'string');
  assert.ok(invalid.value.type === 'string' && invalid.value.bytes?.includes(0xff), 'its value is sent as its bytes');
  assert.throws(() => exportRequestJson(spans), /OTLP\/JSON carries no bytes that are not UTF-8/);
});
