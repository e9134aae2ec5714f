import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveredMessage } from '@stallscope/transport';
import { planInserts } from './insert-plan.js';

const batch = (firstOffset: number, count: number): DeliveredMessage[] =>
  Array.from({ length: count }, (_, index) => ({
    topic: 'otlp_spans',
    partition: 3,
    offset: String(firstOffset + index),
    value: Buffer.alloc(0),
  }));
const rows = (count: number) => Array.from({ length: count }, (_, index) => ({ index }));

describe('planInserts', () => {
  it('chunks by row count with tokens naming topic, partition, offsets, table and chunk', () => {
    const inserts = planInserts(batch(100, 4), 'otel_traces', rows(5), 2);
    assert.deepEqual(
      inserts.map((insert) => [insert.deduplicationToken, insert.rows.length]),
      [
        ['otlp_spans/3/100-103/otel_traces/0', 2],
        ['otlp_spans/3/100-103/otel_traces/1', 2],
        ['otlp_spans/3/100-103/otel_traces/2', 1],
      ],
    );
    assert.deepEqual(inserts.flatMap((insert) => insert.rows), rows(5));
  });

  it('plans the same inserts for the same messages, and none without rows', () => {
    assert.deepEqual(planInserts(batch(7, 2), 't', rows(3), 2), planInserts(batch(7, 2), 't', rows(3), 2));
    assert.notDeepEqual(planInserts(batch(7, 2), 't', rows(3), 2), planInserts(batch(7, 3), 't', rows(3), 2));
    assert.deepEqual(planInserts(batch(7, 2), 't', [], 2), []);
    assert.deepEqual(planInserts([], 't', rows(1), 2), []);
  });
});
