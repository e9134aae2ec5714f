import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SloReport, SloStatus } from '@stallscope/query-api';
import { runAgainstFakeApi } from '../test-fixtures/fake-api.js';

const cwd = mkdtempSync(join(tmpdir(), 'stallscope-cli-slo-test-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const window = (name: string, good: number, total: number) => ({
  window: name,
  goodEvents: good,
  totalEvents: total,
  compliance: total === 0 ? null : good / total,
  burnRate: total === 0 ? null : (1 - good / total) / 0.01,
  budgetRemaining: total === 0 ? null : 1 - (1 - good / total) / 0.01,
});

const status: SloStatus & { source: string } = {
  name: 'checkout-read-p99',
  service: 'checkout',
  source: 'file:slos/checkout.yaml',
  budgetingMethod: 'Timeslices',
  target: 0.99,
  sliceSeconds: 60,
  evaluatedAt: '2026-11-22T05:00:00Z',
  budgetPeriod: { ...window('30d', 995, 1000), from: '2026-10-23T05:00:00Z', to: '2026-11-22T05:00:00Z' },
  errorBudgetShare: 0.01,
  windows: [window('1h', 50, 60), window('6h', 0, 0)],
  burnRate: {
    state: 'page',
    alerts: [{ severity: 'page', burnRate: 14.4, longWindowSeconds: 3600, shortWindowSeconds: 300, longBurnRate: 16.67, shortBurnRate: 20, firing: true }],
  },
};

test('slo list shows each SLO\'s period compliance, budget left and burn state, red when it pages on a terminal', async () => {
  const piped = await runAgainstFakeApi(['slo', 'list'], { body: { slos: [status] } }, { cwd });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.requests[0]?.url, 'http://127.0.0.1:8470/v1/slos');
  const lines = piped.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME +SERVICE +TARGET +PERIOD +COMPLIANCE +BUDGET LEFT +BURN +SOURCE$/);
  assert.match(lines[1]!, /^checkout-read-p99 +checkout +99\.000% +30d +99\.500% +50\.0% +page +file:slos\/checkout\.yaml$/);
  const coloured = await runAgainstFakeApi(['slo', 'list'], { body: { slos: [status] } }, { cwd, isTTY: true, columns: 120 });
  assert.match(coloured.stdout, /\x1b\[31mpage\x1b\[0m/);
  const none = await runAgainstFakeApi(['slo', 'list'], { body: { slos: [] } }, { cwd });
  assert.match(none.stdout, /^no SLOs: declare them in slo\.files or PUT \/v1\/slos\/\{name\}/);
});

const report: SloReport = {
  ...status,
  objective: 'p99 of read calls < 20 ms in 99% of 1m slices',
  badTime: {
    lookback: '24h',
    badPeriods: 10,
    badSeconds: 600,
    syscalls: [{ syscall: 'read', waitClass: 'network', calls: 1200, blockedSeconds: 42, maxMs: 310 }],
    waitClasses: [{ waitClass: 'network', blockedSeconds: 42, topSyscalls: [{ syscall: 'read', blockedSeconds: 42 }] }],
    offCpuStacks: [],
  },
};

test('slo report <name> shows the objective, windows, firing alerts and the bad time\'s syscalls', async () => {
  const result = await runAgainstFakeApi(['slo', 'report', 'checkout-read-p99'], { body: report }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.requests[0]?.url, 'http://127.0.0.1:8470/v1/slos/checkout-read-p99/report');
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'SLO checkout-read-p99 (checkout): p99 of read calls < 20 ms in 99% of 1m slices, Timeslices');
  assert.equal(lines[1], 'budget period 30d (2026-10-23T05:00:00Z to 2026-11-22T05:00:00Z): compliance 99.500%, error budget left 50.0%; burn-rate state page');
  assert.match(lines[4]!, /^ +1h +83\.333% +50 +60 +16\.67× +-1566\.7%$/);
  assert.match(lines[5]!, /^ +6h +no data +0 +0 +no data +no data$/);
  assert.match(result.stdout, /^page +14\.4× +1h: 16\.67× +5m: 20\.00× +yes$/m);
  assert.match(result.stdout, /^10 bad period\(s\), 600 s in all$/m);
  assert.match(result.stdout, /^read +network +42 s +1,200 +310 ms$/m);
});

test('slo report --format markdown|html writes the API\'s document; other formats and two names exit 2', async () => {
  const html = '<!doctype html><title>SLO</title>';
  const result = await runAgainstFakeApi(['slo', 'report', 'x', '--format', 'html'], { body: html, contentType: 'text/html' }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.requests, [{ url: 'http://127.0.0.1:8470/v1/slos/x/report?format=html', accept: 'text/html' }]);
  assert.equal(result.stdout, html);
  const pdf = await runAgainstFakeApi(['slo', 'report', 'x', '--format', 'pdf'], {}, { cwd });
  assert.equal(pdf.stderr, 'stallscope: --format must be markdown or html, got pdf (--json for JSON)\n');
  const extra = await runAgainstFakeApi(['slo', 'report', 'x', 'y'], {}, { cwd });
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /slo report takes \[name\], got x y/);
  const unknown = await runAgainstFakeApi(['slo', 'burn'], {}, { cwd });
  assert.equal(unknown.stderr, 'stallscope: slo needs one of list, report; got burn\nusage: stallscope slo list | stallscope slo report\n');
  assert.equal(unknown.code, 2);
});

test('slo report without a name reports every SLO: one request, each report in full, Markdown from the collection route', async () => {
  const other: SloReport = { ...report, name: 'pay-latency', service: 'pay', burnRate: { ...report.burnRate, state: 'ok', alerts: [] } };
  const result = await runAgainstFakeApi(['slo', 'report'], { body: { evaluatedAt: report.evaluatedAt, reports: [report, other] } }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.requests.map((request) => request.url), ['http://127.0.0.1:8470/v1/slo-reports']);
  assert.match(result.stdout, /^SLO checkout-read-p99 \(checkout\): /m);
  assert.match(result.stdout, /^SLO pay-latency \(pay\): /m);
  assert.equal(result.stdout.match(/^where the bad time went/gm)?.length, 2);
  const none = await runAgainstFakeApi(['slo', 'report'], { body: { evaluatedAt: report.evaluatedAt, reports: [] } }, { cwd });
  assert.match(none.stdout, /^no SLOs: declare them/);
  const markdown = await runAgainstFakeApi(['slo', 'report', '--format', 'markdown'], { body: '# SLO reports\n', contentType: 'text/markdown' }, { cwd });
  assert.deepEqual(markdown.requests, [{ url: 'http://127.0.0.1:8470/v1/slo-reports?format=markdown', accept: 'text/markdown' }]);
  assert.equal(markdown.stdout, '# SLO reports\n');
});
