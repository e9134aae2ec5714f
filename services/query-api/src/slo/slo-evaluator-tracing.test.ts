// Self-tracing of the SLO evaluator: with a tracer provider and the async
// context manager registered (as the launcher's SDK does), each evaluation
// round is a root span with its figures, and the SQL it runs on the real chDB
// engine (the catalog's and each SLO's) are its children, statements without
// their bound values. Spans go to memory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '@stallscope/common';
import { SelfSpan, SelfSpanAttr, SloEvaluateOutcome } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { FAST_BURN_1H, readLatencySlo, webhookTarget } from '../test-fixtures/alerting-slo.js';
import { insertHistograms, syscallPoint } from '../test-fixtures/telemetry.js';
import { createSloCatalog, type SloCatalog } from './slo-catalog.js';
import { createSloEvaluator } from './slo-evaluator.js';
import { sloConfigDefaults } from './slo-evaluator-config.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-slo-evaluator-tracing-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const selfSpans = new InMemorySpanExporter();
const NOW_SECONDS = Math.floor(Date.now() / 3_600_000) * 3_600;
/** Bound values of the SLOs' queries: none may be in a span's SQL text. */
const BURNING_SERVICE = 'checkout-7f3a';
const QUIET_SERVICE = 'ledger-91c2';

const ALERT = { targetRef: 'on-call' };

let catalog: SloCatalog;

before(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(selfSpans)] }));
  await store.start();
  // Every read of the burning service in the last hour is slow (p99 30 ms against 20 ms): a 100x burn.
  const slowRead = { offset: 24, counts: [10], sumNs: 2.5e8, maxNs: 3e7 };
  await insertHistograms(
    store,
    Array.from({ length: 60 }, (_, index) => syscallPoint(BURNING_SERVICE, NOW_SECONDS - (index + 1) * 60 + 30, 'read', 'network', slowRead)),
  );
  const file = join(dataDir, 'slos.yaml');
  // The third has no alert policy: a round does not evaluate it.
  writeFileSync(file, [
      readLatencySlo('checkout-read', BURNING_SERVICE, ALERT),
      readLatencySlo('ledger-read', QUIET_SERVICE, ALERT),
      readLatencySlo('audit-read', QUIET_SERVICE),
      FAST_BURN_1H,
      webhookTarget('on-call', 'http://127.0.0.1:9/hook'),
    ].join('---\n'));
  catalog = createSloCatalog({ files: [file] }, { store, logger });
});

after(async () => {
  await store.stop();
  trace.disable();
  context.disable();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The one round span of what was exported since the last reset, and the SQL spans of its trace. */
function round(): { round: ReadableSpan; queries: ReadableSpan[] } {
  const spans = selfSpans.getFinishedSpans();
  const rounds = spans.filter((span) => span.name === SelfSpan.sloEvaluate);
  assert.equal(rounds.length, 1, `one round span: ${spans.map((span) => span.name).join(', ')}`);
  const found = rounds[0]!;
  assert.equal(found.parentSpanContext, undefined, 'a round is a root');
  const queries = spans.filter((span) => span.name === SelfSpan.queryApiSql);
  for (const query of queries) {
    assert.equal(query.spanContext().traceId, found.spanContext().traceId, 'its queries are in its trace');
    assert.equal(query.parentSpanContext?.spanId, found.spanContext().spanId, 'its queries are its children');
  }
  return { round: found, queries };
}

const figures = (span: ReadableSpan) => ({
  evaluated: span.attributes[SelfSpanAttr.slosEvaluated],
  failed: span.attributes[SelfSpanAttr.slosFailed],
  firing: span.attributes[SelfSpanAttr.alertsFiring],
  changed: span.attributes[SelfSpanAttr.alertsChanged],
  outcome: span.attributes[SelfSpanAttr.outcome],
});

const queryTexts = (queries: readonly ReadableSpan[]) => queries.map((query) => String(query.attributes[SelfSpanAttr.dbQueryText]));

describe('SLO evaluation rounds, traced', () => {
  it('are root spans with the SLOs evaluated, the alerts firing and changed, and their SQL as children without bound values', async () => {
    const evaluator = createSloEvaluator(sloConfigDefaults, { store, logger, catalog, now: () => NOW_SECONDS * 1000 });
    try {
      selfSpans.reset();
      await evaluator.evaluateOnce();
      const first = round();
      assert.deepEqual(figures(first.round), { evaluated: 2, failed: 0, firing: 1, changed: 1, outcome: SloEvaluateOutcome.evaluated });
      assert.equal(first.round.status.code, SpanStatusCode.UNSET);
      const texts = queryTexts(first.queries);
      assert.equal(texts.filter((text) => /\bFROM stallscope_slos\b/.test(text)).length, 1, `the catalog's one query: ${texts.join('\n---\n')}`);
      const sloQueries = texts.filter((text) => !/\bFROM stallscope_slos\b/.test(text));
      assert.ok(sloQueries.length >= 2, 'each evaluated SLO read its slices');
      assert.equal(sloQueries.length % 2, 0, 'the two evaluated SLOs run the same queries; the one without alert policy none');
      for (const query of first.queries) {
        const text = String(query.attributes[SelfSpanAttr.dbQueryText]);
        assert.match(text, /\bSELECT\b/);
        assert.equal(query.attributes[SelfSpanAttr.dbSystem], 'clickhouse');
        assert.ok(!text.includes(BURNING_SERVICE) && !text.includes(QUIET_SERVICE), `the services, bound values, are not in the text: ${text}`);
      }

      // The state holds: still firing, nothing changed.
      selfSpans.reset();
      await evaluator.evaluateOnce();
      assert.deepEqual(figures(round().round), { evaluated: 2, failed: 0, firing: 1, changed: 0, outcome: SloEvaluateOutcome.evaluated });

      // Two hours on, the last hour has no data: the burn stops and the alert resolves.
      selfSpans.reset();
      const later = createSloEvaluator(sloConfigDefaults, { store, logger, catalog, now: () => (NOW_SECONDS + 7_200) * 1000 });
      await later.evaluateOnce();
      await later.evaluateOnce();
      const rounds = selfSpans.getFinishedSpans().filter((span) => span.name === SelfSpan.sloEvaluate);
      assert.deepEqual(rounds.map(figures).map(({ firing, changed }) => [firing, changed]), [[0, 0], [0, 0]], 'a new evaluator starts resolved: no change');
      await later.stop();
    } finally {
      await evaluator.stop();
    }
  });

  it('a failing SLO makes an error round that still counts the others; its failed query is an error child', async () => {
    const entries = await catalog.list();
    // A slice width of 0 divides by zero in ClickHouse: a query that really fails.
    const broken = entries.map((entry) =>
      entry.definition.name === 'ledger-read' ? { ...entry, definition: { ...entry.definition, sliceSeconds: 0 } } : entry,
    );
    const evaluator = createSloEvaluator(sloConfigDefaults, { store, logger, catalog: { ...catalog, list: async () => broken }, now: () => NOW_SECONDS * 1000 });
    try {
      selfSpans.reset();
      await evaluator.evaluateOnce();
      const { round: failed, queries } = round();
      assert.deepEqual(figures(failed), { evaluated: 2, failed: 1, firing: 1, changed: 1, outcome: SloEvaluateOutcome.sloFailed });
      assert.equal(failed.status.code, SpanStatusCode.ERROR);
      assert.match(failed.status.message ?? '', /^1 of 2 SLOs failed, first: .*[Dd]ivision by zero/);
      const failedQueries = queries.filter((query) => query.status.code === SpanStatusCode.ERROR);
      assert.equal(failedQueries.length, 1, 'the one query that failed');
      assert.match(failedQueries[0]!.status.message ?? '', /[Dd]ivision by zero/);
    } finally {
      await evaluator.stop();
    }
  });

  it('a catalog that cannot list is an error round that evaluates nothing, and the round still rejects', async () => {
    const evaluator = createSloEvaluator(sloConfigDefaults, {
      store,
      logger,
      catalog: { ...catalog, list: async () => Promise.reject(new Error('stallscope_slos unreadable')) },
    });
    try {
      selfSpans.reset();
      await assert.rejects(evaluator.evaluateOnce(), /stallscope_slos unreadable/);
      const { round: failed, queries } = round();
      assert.equal(failed.attributes[SelfSpanAttr.outcome], SloEvaluateOutcome.catalogFailed);
      assert.equal(failed.attributes[SelfSpanAttr.slosEvaluated], undefined, 'nothing evaluated');
      assert.deepEqual([failed.status.code, failed.status.message], [SpanStatusCode.ERROR, 'stallscope_slos unreadable']);
      assert.deepEqual(queries, []);
    } finally {
      await evaluator.stop();
    }
  });

  it('a round started inside another span is still a root', async () => {
    const evaluator = createSloEvaluator(sloConfigDefaults, { store, logger, catalog, now: () => NOW_SECONDS * 1000 });
    try {
      selfSpans.reset();
      await trace.getTracer('test').startActiveSpan('outer', async (outer) => {
        await evaluator.evaluateOnce();
        outer.end();
      });
      round();
    } finally {
      await evaluator.stop();
    }
  });
});
