// Real components: the chDB engine (embedded ClickHouse) with rows from the
// ingest's builders, and real HTTP receivers on 127.0.0.1 that check each
// webhook's HMAC signature. The evaluator's clock is moved by the test.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { FAST_BURN_1H, readLatencySlo, webhookTarget } from '../test-fixtures/alerting-slo.js';
import { insertHistograms, syscallPoint } from '../test-fixtures/telemetry.js';
import { createSloCatalog } from './slo-catalog.js';
import { createSloEvaluator, type BurnAlertNotification } from './slo-evaluator.js';
import { sloConfigDefaults, type SloConfig } from './slo-evaluator-config.js';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, backoffMs } from './webhook-delivery.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-slo-evaluator-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const NOW_SECONDS = Math.floor(Date.now() / 3_600_000) * 3_600;
const SECRET = 'test-webhook-secret';

interface Received {
  notification: BurnAlertNotification;
  deliveryId: string;
}

/** A webhook receiver that verifies every signature and answers the given statuses in turn (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[]; attempts: () => number; close: () => Promise<void> }> {
  const received: Received[] = [];
  let attempts = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      attempts += 1;
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
      const given = Buffer.from(String(request.headers[SIGNATURE_HEADER] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        response.writeHead(401).end();
        return;
      }
      const status = statuses.shift() ?? 200;
      if (status === 200) received.push({ notification: JSON.parse(body.toString('utf8')) as BurnAlertNotification, deliveryId: String(request.headers[DELIVERY_ID_HEADER]) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    attempts: () => attempts,
    close: () => {
      // fetch keeps connections alive; close() alone would wait for them.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function alertingSlo(name: string, service: string, url: string): string {
  return [readLatencySlo(name, service, { targetRef: `${name}-hook`, whenResolved: true }), FAST_BURN_1H, webhookTarget(`${name}-hook`, url)].join('---\n');
}

const config: SloConfig = {
  ...sloConfigDefaults,
  webhook: { secret: SECRET, maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 50, timeoutMs: 2_000 },
};

before(async () => {
  await store.start();
  // Every read in the last hour is slow (p99 30 ms against 20 ms): a 100x burn.
  const slowRead = { offset: 24, counts: [10], sumNs: 2.5e8, maxNs: 3e7 };
  const ages = Array.from({ length: 60 }, (_, index) => index + 1);
  await insertHistograms(store, [
    ...ages.map((age) => syscallPoint('pay', NOW_SECONDS - age * 60 + 30, 'read', 'network', slowRead)),
    ...ages.map((age) => syscallPoint('flaky', NOW_SECONDS - age * 60 + 30, 'read', 'network', slowRead)),
  ]);
});

after(async () => {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('createSloEvaluator', () => {
  it('sends one signed webhook per alert state change, none while the state holds', async () => {
    const hook = await receiver();
    const file = join(dataDir, 'pay.yaml');
    writeFileSync(file, alertingSlo('pay-read', 'pay', hook.url));
    let nowMs = NOW_SECONDS * 1000;
    const evaluator = createSloEvaluator(config, { store, logger, catalog: createSloCatalog({ files: [file] }, { store, logger }), now: () => nowMs });
    try {
      await evaluator.evaluateOnce();
      await evaluator.evaluateOnce();
      assert.deepEqual(hook.received.map(({ notification }) => notification.state), ['firing']);
      const [firing] = hook.received;
      assert.ok(firing);
      assert.equal(firing.notification.slo, 'pay-read');
      assert.equal(firing.notification.severity, 'page');
      assert.equal(firing.notification.longBurnRate, 100);
      assert.equal(firing.notification.shortBurnRate, 100);
      assert.equal(firing.notification.report, '/v1/slos/pay-read/report');
      // Two hours on, the last hour has no data: the burn stops and the alert resolves, once.
      nowMs += 2 * 3_600_000;
      await evaluator.evaluateOnce();
      await evaluator.evaluateOnce();
      assert.deepEqual(hook.received.map(({ notification }) => notification.state), ['firing', 'resolved']);
      assert.equal(hook.attempts(), 2);
      assert.notEqual(hook.received[0]?.deliveryId, hook.received[1]?.deliveryId);
    } finally {
      await evaluator.stop();
      await hook.close();
    }
  });

  it('retries a failing receiver with backoff and delivers once it recovers', async () => {
    const hook = await receiver([500, 503]);
    const file = join(dataDir, 'flaky.yaml');
    writeFileSync(file, alertingSlo('flaky-read', 'flaky', hook.url));
    const evaluator = createSloEvaluator(config, {
      store,
      logger,
      catalog: createSloCatalog({ files: [file] }, { store, logger }),
      now: () => NOW_SECONDS * 1000,
    });
    try {
      const started = Date.now();
      await evaluator.evaluateOnce();
      assert.equal(hook.attempts(), 3);
      assert.equal(hook.received.length, 1);
      assert.ok(Date.now() - started >= backoffMs(2, config.webhook) + backoffMs(3, config.webhook), 'waited between attempts');
      await evaluator.evaluateOnce();
      assert.equal(hook.attempts(), 3, 'no duplicate once delivered');
    } finally {
      await evaluator.stop();
      await hook.close();
    }
  });

  it('caps the backoff', () => {
    const delays = [2, 3, 4, 5, 6].map((attempt) => backoffMs(attempt, { initialBackoffMs: 1_000, maxBackoffMs: 5_000 }));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('stops before start and twice, and evaluates on its interval once started', async () => {
    const catalog = createSloCatalog({ files: [] }, { store, logger });
    const unstarted = createSloEvaluator(config, { store, logger, catalog });
    await unstarted.stop();
    await unstarted.stop();
    let evaluations = 0;
    const counted = { ...catalog, list: async () => ((evaluations += 1), []) };
    const evaluator = createSloEvaluator({ ...config, evaluationIntervalMs: 1_000 }, { store, logger, catalog: counted });
    await evaluator.start();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await evaluator.stop();
    await evaluator.stop();
    assert.equal(evaluations, 1);
  });
});
