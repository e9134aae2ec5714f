// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the whole file (chDB allows one data path per process). Rows
// go into stallscope_dead_letters as the ingest writes them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { queryApiPlugin } from '../../plugin.js';
import { deadLettersSql } from './list-query.js';
import type { DeadLettersResponse } from './list.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-dead-letters-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
let app: FastifyInstance;

const nowMs = Date.now();
const letter = (topic: string, offset: number, ageMs: number) => ({
  Timestamp: ((nowMs - ageMs) / 1000).toFixed(3),
  SourceTopic: topic,
  SourcePartition: 2,
  SourceOffset: String(offset),
  Error: `malformed request at ${offset}`,
  Headers: { traceparent: `tp-${offset}` },
  PayloadBase64: Buffer.from(`bytes ${offset}`).toString('base64'),
});

before(async () => {
  await store.start();
  await store.client.insert({
    table: 'stallscope_dead_letters',
    values: [
      letter('otlp_spans', 10, 60_000),
      letter('otlp_metrics', 11, 30_000),
      letter('otlp_spans', 12, 1_000),
      // Two hours old: outside the default 15m window.
      letter('otlp_metrics', 9, 7_200_000),
    ],
    format: 'JSONEachRow',
  });
  app = Fastify();
  await app.register(queryApiPlugin, { store, logger });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function list(query: string) {
  const response = await app.inject({ method: 'GET', url: `/v1/dead-letters${query}` });
  return { status: response.statusCode, body: response.json<DeadLettersResponse & { error?: { code: string; message: string } }>() };
}

describe('GET /v1/dead-letters over chDB', () => {
  it('lists the window, newest first, with source, error, headers and payload', async () => {
    const { status, body } = await list('');
    assert.equal(status, 200);
    assert.equal(body.window, '15m');
    assert.deepEqual(
      body.rows.map((row) => [row.sourceTopic, row.sourceOffset]),
      [
        ['otlp_spans', '12'],
        ['otlp_metrics', '11'],
        ['otlp_spans', '10'],
      ],
    );
    assert.deepEqual(body.rows[0], {
      time: new Date(Math.floor(nowMs - 1_000)).toISOString(),
      sourceTopic: 'otlp_spans',
      sourcePartition: 2,
      sourceOffset: '12',
      error: 'malformed request at 12',
      headers: { traceparent: 'tp-12' },
      payloadBase64: Buffer.from('bytes 12').toString('base64'),
    });
  });

  it('filters by topic, limits, and reads as far back as the window', async () => {
    assert.deepEqual((await list('?topic=otlp_metrics')).body.rows.map((row) => row.sourceOffset), ['11']);
    assert.deepEqual((await list('?limit=1')).body.rows.map((row) => row.sourceOffset), ['12']);
    assert.deepEqual((await list('?window=3h&topic=otlp_metrics')).body.rows.map((row) => row.sourceOffset), ['11', '9']);
    assert.deepEqual((await list(`?topic=${encodeURIComponent("x' OR '1'='1")}`)).body.rows, []);
  });

  it('answers 400 naming the offending parameter', async () => {
    const cases: [string, string, RegExp][] = [
      ['?limit=0', 'INVALID_PARAMETER', /^querystring\/limit must be >= 1$/],
      ['?limit=1001', 'INVALID_PARAMETER', /^querystring\/limit must be <= 1000$/],
      ['?window=1m', 'WINDOW_OUT_OF_RANGE', /^window must be between 5m and 30d, got 1m$/],
      [`?topic=${'t'.repeat(250)}`, 'INVALID_PARAMETER', /^querystring\/topic must NOT have more than 249 characters$/],
    ];
    for (const [query, code, message] of cases) {
      const { status, body } = await list(query);
      assert.equal(status, 400, query);
      assert.equal(body.error?.code, code, query);
      assert.match(body.error?.message ?? '', message, query);
    }
  });

  it('binds every user value as a parameter, never as SQL text', () => {
    const hostile = "x'; DROP TABLE stallscope_dead_letters; --";
    const { query, params } = deadLettersSql({ windowSeconds: 900, topic: hostile, limit: 5 });
    assert.ok(!query.includes('DROP'));
    assert.deepEqual(params, { windowSeconds: 900, limit: 5, topic: hostile });
  });
});
