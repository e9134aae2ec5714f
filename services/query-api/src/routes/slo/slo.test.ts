// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the file (chDB allows one data path per process). Telemetry
// goes in through the ingest's row builders; the rollup view fills
// kernel_syscall_minutely. The clock is pinned to a whole hour, and every
// point sits at a whole number of minutes before it, so figures are exact.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { AGENT_SCOPE_NAME } from '@stallscope/schemas';
import { checkDiskFloor, createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { queryApiPlugin } from '../../plugin.js';
import { createSloCatalog } from '../../slo/slo-catalog.js';
import type { SloReport } from '../../slo/slo-report.js';
import type { SloStatus } from '../../slo/slo-status.js';
import {
  insertHistograms,
  insertOffCpuStacks,
  insertSpans,
  syscallPoint,
  type HistogramPoint,
  type SpanSpec,
} from '../../test-fixtures/telemetry.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-slo-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const NOW_SECONDS = Math.floor(Date.now() / 3_600_000) * 3_600;
/** The middle of the minute that starts `age` minutes before now. */
const minuteAgo = (age: number): number => NOW_SECONDS - age * 60 + 30;
let app: FastifyInstance;

// (2^23, 2^24] ns: p99 is capped by the max, 16 ms; (2^24, 2^25] ns with a 30 ms max: p99 30 ms.
const FAST_READ = { offset: 23, counts: [10], sumNs: 1.2e8, maxNs: 1.6e7 };
const SLOW_READ = { offset: 24, counts: [10], sumNs: 2.5e8, maxNs: 3e7 };
const ages = (count: number): number[] => Array.from({ length: count }, (_, index) => index + 1);

function readPoints(service: string, minutes: number, isBad: (age: number) => boolean): HistogramPoint[] {
  return ages(minutes).map((age) => syscallPoint(service, minuteAgo(age), 'read', 'network', isBad(age) ? SLOW_READ : FAST_READ));
}

const checkoutBad = (age: number): boolean => age >= 500 && age < 510;

function readLatencySlo(name: string, service: string, target: number): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  displayName: ${service} read p99
spec:
  description: p99 of read for ${service} under 20 ms
  service: ${service}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: syscall.duration
            syscall: read
            statistic: p99
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - displayName: read p99 under 20 ms
      op: lt
      value: 20
      target: ${target}
      timeSliceWindow: 1m
`;
}

const payLatencySlo = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: pay-latency
spec:
  service: pay
  indicatorRef: pay-latency-sli
  budgetingMethod: Occurrences
  objectives:
    - op: lt
      value: 300
      targetPercent: 99
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: pay-latency-sli
spec:
  thresholdMetric:
    metricSource:
      type: Stallscope
      spec:
        signal: spans
        spanName: POST /pay
`;

const batchWaitShareSlo = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: batch-wait-share
spec:
  service: batch
  indicator:
    metadata:
      name: batch-wait-share
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: wait.share
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 0.05
      target: 0.9
      timeSliceWindow: 1m
`;

before(async () => {
  await store.start();
  const checkoutExtras = ages(1000)
    .filter(checkoutBad)
    .flatMap((age) => [
      syscallPoint('checkout', minuteAgo(age), 'fsync', 'disk', { offset: 28, counts: [5], sumNs: 2e9, maxNs: 5e8 }),
      syscallPoint('checkout', minuteAgo(age), 'futex', 'idle', { offset: 30, counts: [5], sumNs: 9e9, maxNs: 2e9 }),
    ]);
  const batch = ages(10).flatMap((age) =>
    ['host-a', 'host-b'].flatMap((host) => [
      syscallPoint('batch', minuteAgo(age), 'flock', 'lock', { offset: 28, counts: [2], sumNs: age > 5 ? 3e9 : 1e9, maxNs: 1e9 }, host),
      syscallPoint('batch', minuteAgo(age), 'epoll_wait', 'idle', { offset: 30, counts: [50], sumNs: 5e10, maxNs: 2e9 }, host),
    ]),
  );
  await insertHistograms(store, [
    ...readPoints('checkout', 1000, checkoutBad),
    ...checkoutExtras,
    ...readPoints('pay-page', 60, (age) => age <= 10),
    ...readPoints('pay-ticket', 4320, (age) => age % 50 === 0),
    ...batch,
  ]);
  await insertOffCpuStacks(store, [
    { service: 'checkout', timeSeconds: minuteAgo(505), stack: 'main;handle;fsync;__schedule', threadState: 'uninterruptible', offCpuNs: 3e9 },
    { service: 'checkout', timeSeconds: minuteAgo(100), stack: 'main;idle_loop;__schedule', threadState: 'sleep', offCpuNs: 9e10 },
  ]);
  const paySpans: SpanSpec[] = ages(100).map((index) => ({
    service: 'pay',
    name: 'POST /pay',
    startSeconds: NOW_SECONDS - index * 30,
    durationMs: index === 42 ? 450 : 120,
  }));
  paySpans.push({ service: 'pay', name: 'POST /pay', scope: AGENT_SCOPE_NAME, startSeconds: NOW_SECONDS - 90, durationMs: 5_000 });
  await insertSpans(store, paySpans);

  writeFileSync(join(dataDir, 'checkout.yaml'), readLatencySlo('checkout-read-p99', 'checkout', 0.98));
  const catalog = createSloCatalog({ files: [join(dataDir, 'checkout.yaml')] }, { store, logger });
  app = Fastify();
  await app.register(queryApiPlugin, { store, logger, sloCatalog: catalog, now: () => NOW_SECONDS * 1000 });
  await app.ready();
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function put(name: string, yaml: string) {
  const response = await app.inject({ method: 'PUT', url: `/v1/slos/${name}`, headers: { 'content-type': 'application/yaml' }, payload: yaml });
  return { status: response.statusCode, body: response.json<{ name?: string; error?: { code: string; message: string } }>() };
}

async function report(name: string): Promise<SloReport> {
  const response = await app.inject({ method: 'GET', url: `/v1/slos/${name}/report` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<SloReport>();
}

const windowOf = (status: SloStatus, window: string) => status.windows.find((figures) => figures.window === window);

describe('SLO routes over chDB', () => {
  it('computes compliance, budget and burn rates exactly for 1% bad minutes', async () => {
    const checkout = await report('checkout-read-p99');
    assert.deepEqual(
      checkout.windows.map((figures) => [figures.window, figures.goodEvents, figures.totalEvents, figures.compliance, figures.budgetRemaining]),
      [
        ['1h', 60, 60, 1, 1],
        ['6h', 360, 360, 1, 1],
        ['24h', 990, 1000, 0.99, 0.5],
        ['7d', 990, 1000, 0.99, 0.5],
        ['30d', 990, 1000, 0.99, 0.5],
      ],
    );
    assert.equal(checkout.budgetPeriod.window, '30d');
    assert.equal(checkout.budgetPeriod.compliance, 0.99);
    assert.equal(checkout.budgetPeriod.burnRate, 0.5);
    assert.equal(checkout.budgetPeriod.budgetRemaining, 0.5);
    assert.equal(checkout.errorBudgetShare, 0.02);
    assert.equal(checkout.burnRate.state, 'ok');
    assert.equal(checkout.evaluatedAt, new Date(NOW_SECONDS * 1000).toISOString());
  });

  it('breaks the bad time down into syscalls, wait classes and off-CPU stacks of the bad minutes only', async () => {
    const { badTime } = await report('checkout-read-p99');
    assert.equal(badTime.badPeriods, 1);
    assert.equal(badTime.badSeconds, 600);
    assert.deepEqual(
      badTime.syscalls.map((wait) => [wait.syscall, wait.waitClass, wait.calls, wait.blockedSeconds]),
      [
        ['fsync', 'disk', 50, 20],
        ['read', 'network', 100, 2.5],
      ],
    );
    assert.deepEqual(
      badTime.waitClasses.map((total) => [total.waitClass, total.blockedSeconds, total.topSyscalls.map((top) => top.syscall)]),
      [
        ['disk', 20, ['fsync']],
        ['network', 2.5, ['read']],
      ],
    );
    assert.deepEqual(badTime.offCpuStacks, [{ stack: 'main;handle;fsync;__schedule', threadState: 'uninterruptible', offCpuSeconds: 3 }]);
  });

  it('pages on a fast burn and tickets a slow one (SRE workbook windows)', async () => {
    assert.equal((await put('pay-page-read', readLatencySlo('pay-page-read', 'pay-page', 0.99))).status, 200);
    assert.equal((await put('pay-ticket-read', readLatencySlo('pay-ticket-read', 'pay-ticket', 0.99))).status, 200);
    const page = await report('pay-page-read');
    assert.equal(page.burnRate.state, 'page');
    const [fastPage, slowPage, ticket] = page.burnRate.alerts;
    assert.ok(fastPage && slowPage && ticket);
    assert.equal(fastPage.shortBurnRate, 100);
    assert.ok(Math.abs((fastPage.longBurnRate ?? 0) - 1000 / 60) < 1e-9);
    assert.equal(fastPage.firing, true);
    // Six hours hold the same 60 minutes: 10/60 bad is 16.7x, above 6x, and so is the last 30m (10/30).
    assert.equal(slowPage.firing, true);

    const slow = await report('pay-ticket-read');
    assert.equal(slow.burnRate.state, 'ticket');
    assert.deepEqual(
      slow.burnRate.alerts.map((alert) => [alert.severity, alert.firing]),
      [
        ['page', false],
        ['page', false],
        ['ticket', true],
      ],
    );
    const threeDays = slow.burnRate.alerts[2];
    // 86 of the 4320 minutes in 3d are bad (every 50th), 7 of the 360 in 6h.
    assert.ok(threeDays && Math.abs((threeDays.longBurnRate ?? 0) - 86 / 4320 / 0.01) < 1e-9);
    assert.ok(Math.abs((threeDays.shortBurnRate ?? 0) - 7 / 360 / 0.01) < 1e-9);
  });

  it('counts application spans by occurrence and leaves the agent spans out', async () => {
    assert.equal((await put('pay-latency', payLatencySlo)).status, 200);
    const pay = await report('pay-latency');
    assert.deepEqual(
      [windowOf(pay, '1h')?.goodEvents, windowOf(pay, '1h')?.totalEvents, windowOf(pay, '1h')?.compliance, windowOf(pay, '1h')?.budgetRemaining],
      [99, 100, 0.99, 0],
    );
    assert.equal(pay.objective, '99% of POST /pay spans < 300 ms');
  });

  it('measures the non-idle share of wall time per host', async () => {
    assert.equal((await put('batch-wait-share', batchWaitShareSlo)).status, 200);
    const batch = await report('batch-wait-share');
    // Ages 6..10: (3 s + 3 s) / (60 s x 2 hosts) = 5%, not below 5%; ages 1..5: 1.7%.
    assert.deepEqual([windowOf(batch, '1h')?.goodEvents, windowOf(batch, '1h')?.totalEvents], [5, 10]);
  });

  it('lists every SLO with its status and source', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/slos' });
    assert.equal(response.statusCode, 200);
    const { slos } = response.json<{ slos: (SloStatus & { source: string })[] }>();
    assert.deepEqual(
      slos.map((slo) => [slo.name, slo.source, slo.burnRate.state]),
      [
        // Half its minutes bad, but none of the last five: a 5x burn, a ticket.
        ['batch-wait-share', 'api', 'ticket'],
        ['checkout-read-p99', 'file', 'ok'],
        // Its one slow span 21 minutes ago spends the budget exactly: 1x over 3d and 6h.
        ['pay-latency', 'api', 'ticket'],
        ['pay-page-read', 'api', 'page'],
        ['pay-ticket-read', 'api', 'ticket'],
      ],
    );
  });

  it('renders the report as Markdown and as a self-contained HTML page', async () => {
    const markdown = await app.inject({ method: 'GET', url: '/v1/slos/checkout-read-p99/report?format=markdown' });
    assert.equal(markdown.statusCode, 200);
    assert.match(markdown.headers['content-type'] ?? '', /^text\/markdown/);
    assert.match(markdown.body, /^# SLO checkout read p99$/m);
    assert.match(markdown.body, /^\| window \| compliance \| good \/ total \| burn rate \| budget remaining \|$/m);
    assert.match(markdown.body, /^\| 24h \| 99\.000% \| 990 \/ 1000 \| 0\.50× \| 50\.0% \|$/m);
    assert.match(markdown.body, /^\| disk \| 20\.00 s \| fsync 20\.00 s \|$/m);
    assert.match(markdown.body, /`main;handle;fsync;__schedule`/);
    const html = await app.inject({ method: 'GET', url: '/v1/slos/checkout-read-p99/report?format=html' });
    assert.equal(html.statusCode, 200);
    assert.match(html.headers['content-type'] ?? '', /^text\/html/);
    assert.match(html.body, /^<!DOCTYPE html>/);
    assert.match(html.body, /<td>24h<\/td><td>99\.000%<\/td><td>990 \/ 1000<\/td><td>0\.50×<\/td><td>50\.0%<\/td>/);
    assert.match(html.body, /main;handle;fsync;__schedule/);
    assert.doesNotMatch(html.body, /<(script|link|img)\b|https?:\/\//, 'no external assets');
  });

  it('reports every SLO at once: JSON in name order, Markdown and HTML with a summary table first', async () => {
    const all = await app.inject({ method: 'GET', url: '/v1/slo-reports' });
    assert.equal(all.statusCode, 200);
    const body = all.json<{ evaluatedAt: string; reports: SloReport[] }>();
    const names = body.reports.map((one) => one.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('checkout-read-p99') && names.includes('pay-page-read'), names.join(', '));
    // Each is the same report as the one-SLO route gives.
    assert.deepEqual(
      body.reports.find((one) => one.name === 'checkout-read-p99'),
      await report('checkout-read-p99'),
    );
    const markdown = await app.inject({ method: 'GET', url: '/v1/slo-reports?format=markdown' });
    assert.equal(markdown.statusCode, 200);
    assert.match(markdown.headers['content-type'] ?? '', /^text\/markdown/);
    assert.match(markdown.body, /^# SLO reports$/m);
    assert.match(markdown.body, /^\| checkout read p99 \| `checkout` \| ok \| /m);
    assert.match(markdown.body, /^## SLO checkout read p99$/m, "each report's headings one level down");
    assert.match(markdown.body, /^### Compliance$/m);
    assert.equal(markdown.body.match(/^## SLO /gm)?.length, names.length);
    const html = await app.inject({ method: 'GET', url: '/v1/slo-reports?format=html' });
    assert.equal(html.statusCode, 200);
    assert.match(html.body, /^<!DOCTYPE html>/);
    assert.equal(html.body.match(/<section>/g)?.length, names.length);
    assert.match(html.body, /<h2>SLO checkout read p99<\/h2>/);
    assert.doesNotMatch(html.body, /<(script|link|img)\b|https?:\/\//, 'no external assets');
    assert.equal((await app.inject({ method: 'GET', url: '/v1/slo-reports?format=pdf' })).statusCode, 400);
  });

  it('stores, returns and deletes SLOs through the API; file SLOs are read-only', async () => {
    const stored = await app.inject({ method: 'GET', url: '/v1/slos/pay-latency' });
    assert.deepEqual(stored.json(), { name: 'pay-latency', source: 'api', document: payLatencySlo });
    const fromFile = await put('checkout-read-p99', readLatencySlo('checkout-read-p99', 'checkout', 0.9));
    assert.equal(fromFile.status, 409);
    assert.equal(fromFile.body.error?.code, 'SLO_DEFINED_IN_FILE');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/slos/pay-page-read' })).statusCode, 204);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/slos/pay-page-read' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/slos/pay-page-read/report' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/slos/pay-page-read' })).statusCode, 404);
    // A put after a delete brings it back.
    assert.equal((await put('pay-page-read', readLatencySlo('pay-page-read', 'pay-page', 0.99))).status, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/slos/pay-page-read' })).statusCode, 200);
  });

  it("answers 507 STORE_DISK_FULL and writes nothing while the store's disk is below its floor", async () => {
    // The real check on this test's filesystem, with a floor above any disk's size.
    const full: Store = { ...store, checkWritable: () => checkDiskFloor(dataDir, Number.MAX_SAFE_INTEGER) };
    const fullApp = Fastify();
    await fullApp.register(queryApiPlugin, { store: full, logger, sloCatalog: createSloCatalog({ files: [] }, { store: full, logger }) });
    try {
      const response = await fullApp.inject({
        method: 'PUT',
        url: '/v1/slos/disk-full-read',
        headers: { 'content-type': 'application/yaml' },
        payload: readLatencySlo('disk-full-read', 'checkout', 0.99),
      });
      assert.equal(response.statusCode, 507);
      assert.deepEqual(response.json(), {
        error: { code: 'STORE_DISK_FULL', message: "the store's disk is below its free-space floor; nothing was written" },
      });
      assert.equal((await fullApp.inject({ method: 'DELETE', url: '/v1/slos/pay-latency' })).statusCode, 507);
    } finally {
      await fullApp.close();
    }
    assert.equal((await app.inject({ method: 'GET', url: '/v1/slos/disk-full-read' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/slos/pay-latency' })).statusCode, 200, 'the refused delete left the SLO');
  });

  it('answers 400 naming the field of what it cannot compute', async () => {
    const cases: [string, string, RegExp][] = [
      ['bad-type', readLatencySlo('bad-type', 'checkout', 0.99).replace('type: Stallscope', 'type: Prometheus'), /^spec\.indicator\.spec\.thresholdMetric\.metricSource\.type: stallscope computes indicators from its own tables only: must be Stallscope, got Prometheus$/],
      ['bad-signal', readLatencySlo('bad-signal', 'checkout', 0.99).replace('signal: syscall.duration', 'signal: cpu'), /^spec\.indicator\.spec\.thresholdMetric\.metricSource\.spec\.signal: must be one of syscall\.duration, wait\.share, spans, got cpu$/],
      ['bad-target', readLatencySlo('bad-target', 'checkout', 1.5), /^spec\.objectives\[0\]\.target: must be within \[0, 1\)/],
      ['bad-budget', readLatencySlo('bad-budget', 'checkout', 0.99).replace('budgetingMethod: Timeslices', 'budgetingMethod: Occurrences'), /^spec\.budgetingMethod: syscall\.duration gives one value per time slice, not one per event: use Timeslices$/],
      ['bad-name', readLatencySlo('other-name', 'checkout', 0.99), /^metadata\.name: must be the name in the URL, bad-name$/],
      ['bad-ref', payLatencySlo.replace('pay-latency', 'bad-ref').replace('indicatorRef: pay-latency-sli', 'indicatorRef: missing'), /^documents\[0\]\.spec\.indicatorRef: no SLI named missing$/],
    ];
    for (const [name, yaml, message] of cases) {
      const { status, body } = await put(name, yaml);
      assert.equal(status, 400, name);
      assert.equal(body.error?.code, 'INVALID_SLO', name);
      assert.match(body.error?.message ?? '', message, name);
    }
  });
});
