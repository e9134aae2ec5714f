import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry, createLogger } from '@stallscope/common';
import { createIngestMetrics } from './ingest-metrics.js';
import { retryingInsert } from './insert-retry.js';

const logger = createLogger('silent');

async function retries(registry: Registry): Promise<number> {
  const { values } = await registry.getSingleMetric('stallscope_ingest_insert_retries_total')!.get();
  return values.find((value) => value.labels.table === 't')?.value ?? 0;
}

describe('retryingInsert', () => {
  it('retries a failing store with growing, capped pauses until it succeeds', async () => {
    const registry = new Registry();
    const calls: number[] = [];
    const insert = retryingInsert(
      async () => {
        calls.push(Date.now());
        if (calls.length <= 4) throw new Error('ECONNREFUSED');
      },
      { initialBackoffMs: 10, maxBackoffMs: 25, signal: new AbortController().signal, metrics: createIngestMetrics(registry), logger },
    );
    await insert({ table: 't', rows: [{}], deduplicationToken: 'k' });
    assert.equal(calls.length, 5);
    assert.equal(await retries(registry), 4);
    const pauses = calls.slice(1).map((at, index) => at - (calls[index] ?? at));
    // 10, 20, then capped at 25 (timers may fire a millisecond early).
    assert.ok(pauses[0]! >= 9 && pauses[1]! >= 19 && pauses[2]! >= 24 && pauses[3]! >= 24, `pauses ${pauses.join(', ')}`);
    assert.ok(pauses[3]! < 40, `capped pause ${pauses[3]}`);
  });

  it('gives up with the store error once aborted', async () => {
    const registry = new Registry();
    const stopping = new AbortController();
    const insert = retryingInsert(
      async () => {
        throw new Error('store down');
      },
      { initialBackoffMs: 60_000, maxBackoffMs: 60_000, signal: stopping.signal, metrics: createIngestMetrics(registry), logger },
    );
    const attempt = insert({ table: 't', rows: [{}], deduplicationToken: 'k' });
    setTimeout(() => stopping.abort(), 20);
    await assert.rejects(attempt, /store down/);
    assert.equal(await retries(registry), 1);
  });
});
