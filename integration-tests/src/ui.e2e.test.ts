// The web UI in a real browser (Debian's chromium driven by playwright-core)
// against the all-in-one with known workloads: the readers workload (threads
// blocking in read() on a pipe and a socket fed every 50 ms) and a traced
// request that blocks in read() inside one of its spans. Each page is checked
// for what a user reads off it, against the API's own answer and the
// workloads' own measurements; screenshots go to integration-tests/artifacts/ui.
// Starts: one Kafka broker (the transport between the all-in-one's parts), one
// stallscope process (--target all, Kafka transport), the workloads, chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator, Page } from 'playwright-core';
import type { HeatmapResponse, TraceResponse } from '@stallscope/query-api';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { browserSkipReason, launchBrowser, type Browser } from './fixtures/browser.js';
import { regularFile, runWorkload } from './fixtures/class-workloads.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { settledTop, type TopRow } from './fixtures/query-api-client.js';
import { repoRoot } from './fixtures/repo.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const run = promisify(execFile);
const skipReason = bpfSkipReason() ?? kafkaSkipReason() ?? browserSkipReason();
if (skipReason) console.log(`skipping web UI e2e: ${skipReason}`);

const screenshots = join(repoRoot, 'integration-tests', 'artifacts', 'ui');
/** Seconds of a figure as the page shows it (820 ms, 3.96 s, 1.2 µs). */
function secondsShown(text: string): number {
  const match = /^([\d.]+) (s|ms|µs|ns)$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Number(match[1]) / { s: 1, ms: 1e3, µs: 1e6, ns: 1e9 }[match[2] as 's' | 'ms' | 'µs' | 'ns'];
}

/** readers.c feeds its pipe and socket every FEED_MS = 50 ms: most reads wait about that long. */
const READERS_FEED_NS = 50e6;
const SECTION_LOAD_MS = 120_000;
const scale0Bucket = (ns: number) => Math.ceil(Math.log2(ns)) - 1;

let broker: KafkaBroker | undefined;
let stallscope: StallscopeProcess | undefined;
let browser: Browser | undefined;
let page: Page;
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-ui-e2e-'));
const service = `e2e-ui-${randomUUID().slice(0, 8)}`;
let readersMeasured: { pipeNs: number; eventfdNs: number; socketNs: number };
/** The API's answer for the service: its top row, and the pipe reads (ipc). */
let topRow: TopRow;
let pipeReadRow: TopRow;
/** The readers' pipe and eventfd reads, both ipc: what read (ipc) must cover. */
const ipcReadNs = () => readersMeasured.pipeNs + readersMeasured.eventfdNs;
let traced: { traceId: string; waitSpanId: string; readNs: number };
/** Every console error and uncaught exception of every page, with the page it came from. */
const consoleErrors: string[] = [];

async function api<Body>(path: string, init: RequestInit = {}): Promise<Body> {
  const response = await fetch(`${stallscope!.url}${path}`, { ...init, headers: { authorization: `Bearer ${stallscope!.token}`, ...init.headers } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Body;
}

async function open(query: string): Promise<void> {
  await page.goto(`${stallscope!.url}/ui/?${query}`);
  await sectionsLoaded();
}

async function sectionsLoaded(): Promise<void> {
  // Every section has loaded (or failed, which the checks below report). Polled from here: the page's
  // Content-Security-Policy forbids the string evaluation waitForFunction would use.
  // On a busy machine the embedded store answers a page's dozen queries one after another: allow minutes.
  await page.waitForSelector('main', { timeout: SECTION_LOAD_MS });
  const deadline = Date.now() + SECTION_LOAD_MS;
  while ((await page.locator('section[data-state="loading"]').count()) > 0) {
    if (Date.now() > deadline) throw new Error(`sections still loading after ${SECTION_LOAD_MS} ms: ${await page.locator('section[data-state="loading"] h2').allTextContents()}`);
    await page.waitForTimeout(200);
  }
}

/**
 * How many pixels of the read heatmap's row for a bucket differ from the
 * empty cells' colour, read off the canvas in the page.
 */
async function paintedCellsOfRow(bucket: number): Promise<{ cells?: number; label?: string; error?: string }> {
  return page.locator('.heatmap-figure[data-syscall="read"]').evaluate((figure, wanted) => {
    const label = figure.querySelector(`.heatmap-label[data-bucket="${wanted}"]`);
    const canvas = figure.querySelector('canvas');
    if (!label || !canvas) return { error: `no row for bucket ${wanted}: ${figure.textContent}` };
    const view = figure.ownerDocument.defaultView;
    const probe = figure.ownerDocument.createElement('canvas').getContext('2d');
    probe.fillStyle = view.getComputedStyle(figure.ownerDocument.documentElement).getPropertyValue('--heat-empty').trim();
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
    const y = label.offsetTop - label.parentElement.offsetTop + Math.floor(label.offsetHeight / 2);
    const row = canvas.getContext('2d').getImageData(0, y, canvas.width, 1).data;
    let cells = 0;
    for (let x = 0; x < canvas.width; x += 1) if (row[x * 4] !== r || row[x * 4 + 1] !== g || row[x * 4 + 2] !== b) cells += 1;
    return { cells, label: label.textContent };
  }, bucket);
}

/** Where a span could have gone missing, for a failure message: the agent's and the ingest's drop and failure counters. */
async function pipelineCounters(): Promise<string> {
  const text = await (await fetch(`${stallscope!.url}/metrics`, { headers: { authorization: `Bearer ${stallscope!.token}` } })).text();
  const wanted = /^stallscope_(agent_(slow_spans_dropped|export_failures|bpf_drops|oversized_requests|records_out_of_scope)|ingest_(dead_letters|insert_failures|insert_retries))_total\b/;
  const lines = text.split('\n').filter((line) => wanted.test(line) && !/ 0$/.test(line));
  return `the pipeline's non-zero drop and failure counters: ${lines.length > 0 ? lines.join('; ') : 'none'}`;
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

before(async () => {
  if (skipReason) return;
  mkdirSync(screenshots, { recursive: true });
  broker = await startKafkaBroker();
  stallscope = await startStallscope(
    'all',
    { STALLSCOPE_TRANSPORT_KIND: 'kafka', STALLSCOPE_TRANSPORT_KAFKA_BROKERS: broker.brokers.join(','), STALLSCOPE_AGENT_INTERVAL_MS: '1000' },
    dataDir,
  );
  // The agent reports the fleet before any workload of ours runs (it can miss a process started right after ready).
  await settledTop(stallscope.url, stallscope.token, { includeIdle: 'true', limit: '1' }, (rows) => rows.length > 0, 60_000);
  // Long enough that a busy agent still reads the process's name while it runs.
  readersMeasured = await runWorkload('readers.c', ['8000', regularFile()], service);
  const rows = await settledTop(
    stallscope.url,
    stallscope.token,
    { window: '15m', by: 'service', service, limit: '10' },
    (candidates) => candidates.some((row) => row.syscall === 'read' && row.waitClass === 'ipc' && row.blockedSeconds >= 0.9 * (ipcReadNs() / 1e9)),
    90_000,
  );
  const pipeRead = rows.find((row) => row.syscall === 'read' && row.waitClass === 'ipc');
  if (!pipeRead) {
    const services = await api<{ rows: TopRow[] }>('/v1/syscalls/top?by=service&window=15m&includeIdle=true&limit=1000');
    throw new Error(`no read (ipc) rows of ${service}: ${JSON.stringify(rows)}; services: ${[...new Set(services.rows.map((row) => row.service))].join(', ')}`);
  }
  pipeReadRow = pipeRead;
  topRow = rows[0]!;
  const program = join(import.meta.dirname, 'programs', 'traced-request.js');
  const tracedService = `${service}-traced`;
  const { stdout } = await run(process.execPath, [program, stallscope.otlpGrpc!, tracedService], { timeout: 60_000 });
  traced = JSON.parse(stdout) as typeof traced;
  // An SLO the readers break: p99 of their waiting reads under 20 ms while each waits about 50 ms.
  await api(`/v1/slos/${service}-read`, {
    method: 'PUT',
    headers: { 'content-type': 'application/yaml' },
    body: `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${service}-read
spec:
  service: ${service}
  indicator:
    metadata:
      name: ${service}-read-p99
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: syscall.duration
            syscall: read
            waitClass: ${pipeReadRow.waitClass}
            statistic: p99
  timeWindow:
    - duration: 1d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 20
      target: 0.99
      timeSliceWindow: 1m
`,
  });

  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: uncaught ${error.message}`));
});

after(async () => {
  await browser?.close();
  if (stallscope) assert.equal(await stallscope.stop(), 0, 'stallscope exits cleanly on SIGTERM');
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the UI asks for the API key, refuses a wrong one, and keeps the right one for the tab', { skip: skipReason, timeout: 240_000 }, async () => {
  await page.goto(`${stallscope!.url}/ui/`);
  await page.fill('input[name=apiKey]', 'not-the-key');
  await page.click('button[type=submit]');
  await page.waitForSelector('text=refused');
  // The refused key's 401 is the one console error a user causes on purpose.
  consoleErrors.splice(0, consoleErrors.length);
  await page.fill('input[name=apiKey]', stallscope!.token);
  await page.click('button[type=submit]');
  await page.waitForSelector('table.top, section[data-state="loaded"]', { timeout: SECTION_LOAD_MS });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('stallscope.apiKey')), stallscope!.token);
  assert.ok(!page.url().includes(stallscope!.token), 'the key is never in the URL');
});

test("overview: the workload's service is listed with its real top wait, its figure and a trend", { skip: skipReason, timeout: 240_000 }, async () => {
  await open('view=overview&window=15m');
  // The user narrows the fleet to the service with the filter field; the filter goes into the shareable URL.
  await page.fill('input[name=service]', service);
  await page.press('input[name=service]', 'Enter');
  await page.waitForURL(new RegExp(`service=${service}`));
  await sectionsLoaded();
  await page.waitForSelector(`tr[data-service="${service}"]`, { timeout: SECTION_LOAD_MS });
  await page.waitForSelector('table.top tbody tr td.trend polyline', { timeout: SECTION_LOAD_MS });
  await screenshot('overview');
  // The theme follows the system's setting.
  const background = () => page.locator('body').evaluate((body) => body.ownerDocument.defaultView.getComputedStyle(body).backgroundColor);
  const light = await background();
  // A theme switch redraws the page (its canvases take their colours when drawn).
  await page.emulateMedia({ colorScheme: 'dark' });
  await sectionsLoaded();
  await screenshot('overview-dark');
  const dark = await background();
  await page.emulateMedia({ colorScheme: 'light' });
  await sectionsLoaded();
  assert.deepEqual([light, dark], ['rgb(247, 247, 248)', 'rgb(21, 23, 26)']);
  const rowFigures = async (row: Locator) => ({
    service: await row.getAttribute('data-service'),
    syscall: await row.getAttribute('data-syscall'),
    waitClass: await row.getAttribute('data-wait-class'),
    blockedSeconds: secondsShown((await row.locator('td.blocked').textContent()) ?? ''),
  });
  // The first row is the API's top wait of the service, with its figure.
  const first = await rowFigures(page.locator('table.top tbody tr').first());
  assert.deepEqual([first.service, first.syscall, first.waitClass], [service, topRow.syscall, topRow.waitClass]);
  assert.ok(Math.abs(first.blockedSeconds / topRow.blockedSeconds - 1) < 0.01, `the page shows ${first.blockedSeconds} s, the API says ${topRow.blockedSeconds} s`);
  // The pipe reads are listed with at least the time the reader measured itself.
  const pipeRow = page.locator(`table.top tbody tr[data-syscall="read"][data-wait-class="ipc"]`);
  const pipe = await rowFigures(pipeRow);
  assert.ok(Math.abs(pipe.blockedSeconds / pipeReadRow.blockedSeconds - 1) < 0.01, `read (ipc): the page shows ${pipe.blockedSeconds} s, the API says ${pipeReadRow.blockedSeconds} s`);
  assert.ok(pipe.blockedSeconds >= 0.9 * (ipcReadNs() / 1e9), `read (ipc) ${pipe.blockedSeconds} s covers the pipe and eventfd readers' own ${ipcReadNs() / 1e9} s`);

  // Its figure links to the service page of that syscall.
  await pipeRow.locator('td.blocked a').click();
  await page.waitForSelector('.heatmap-figure', { timeout: SECTION_LOAD_MS });
  assert.match(page.url(), /view=service/);
  assert.match(page.url(), /syscall=read/);
});

test("service page: the read heatmap has the workload's calls in the 50 ms bucket", { skip: skipReason, timeout: 240_000 }, async () => {
  await open(`view=service&service=${service}&window=15m`);
  await screenshot('service');
  const bucket = scale0Bucket(READERS_FEED_NS);
  const answer = await api<HeatmapResponse>(`/v1/syscalls/heatmap?window=15m&step=1m&includeIdle=true&service=${service}&syscall=read`);
  const index = answer.buckets.indexOf(bucket);
  const callsInBucket = answer.counts.reduce((sum, column) => sum + (column[index] ?? 0), 0);
  assert.ok(index >= 0 && callsInBucket > 0, `the API has read calls in bucket ${bucket}: ${JSON.stringify(answer.buckets)}`);
  // The row of that bucket is painted: some of its pixels differ from the empty cells' colour.
  const painted = await paintedCellsOfRow(bucket);
  assert.ok(!('error' in painted), String(painted.error));
  assert.ok((painted.cells ?? 0) > 0, `the ${painted.label} row of the read heatmap is painted`);
  assert.equal(painted.label, '≤ 67.1 ms');
});

test('service page: the off-CPU flame graph holds the kernel pipe read the workload sleeps in', { skip: skipReason, timeout: 240_000 }, async () => {
  await open(`view=service&service=${service}&window=15m&profile=offcpu`);
  const flame = page.locator('section.flame-section');
  const state = { state: await flame.getAttribute('data-state'), text: await flame.textContent() };
  assert.equal(state.state, 'loaded', `the off-CPU flame graph did not load (it reads GET /v1/profiles/offcpu?format=folded): ${state.text}`);
  await page.fill('.flame-search', 'pipe_read');
  await screenshot('flame-offcpu');
  const matched = await page.textContent('.flame-matched');
  const share = Number(/^([\d.]+)%/.exec(matched ?? '')?.[1]);
  assert.ok(share > 0, `frames matching pipe_read hold part of the off-CPU time: ${matched}`);
});

test('trace page: the read the traced request blocked in is a kernel child span under its span', { skip: skipReason, timeout: 300_000 }, async () => {
  // The agent exports each interval: the kernel child can come a little after the application's spans.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const trace = await api<TraceResponse>(`/v1/traces/${traced.traceId}`).catch((error: Error) => error);
    const spans = trace instanceof Error ? [] : trace.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    if (spans.some((span) => span.name === 'read' && span.parentSpanId === traced.waitSpanId)) break;
    if (Date.now() > deadline) {
      // What the page shows of the trace as it is, for whoever looks into the failure.
      await open(`view=trace&trace=${traced.traceId}`);
      await screenshot('trace-without-kernel-read');
      const seen = trace instanceof Error ? trace.message : JSON.stringify(spans.map((span) => [span.name, span.spanId, span.parentSpanId]));
      throw new Error(`no kernel read under the wait span ${traced.waitSpanId} of ${traced.traceId} within 120 s; the trace: ${seen}; ${await pipelineCounters()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await open(`view=trace&trace=${traced.traceId}`);
  await screenshot('trace');
  const rows = await Promise.all(
    (await page.locator('.span-row').all()).map(async (row) => ({
      id: await row.getAttribute('data-span-id'),
      name: await row.locator('.span-name').textContent(),
      kernel: /\bspan-kernel\b/.test((await row.getAttribute('class')) ?? ''),
      badge: (await row.locator('.badge').count()) > 0 ? await row.locator('.badge').textContent() : '',
      indent: parseFloat((await row.locator('.span-label').getAttribute('style'))?.replace(/^.*padding-left:\s*/, '') ?? '0'),
      duration: (await row.locator('.span-duration').textContent()) ?? '',
    })),
  );
  const wait = rows.findIndex((row) => row.id === traced.waitSpanId);
  assert.ok(wait >= 0, `the wait span is on the page: ${JSON.stringify(rows)}`);
  // The rows drawn under the wait span, up to the next one at its depth or above: its children (the
  // program's other kernel waits, an idle futex of its event loop, may be among them).
  const waitIndent = rows[wait]!.indent;
  const end = rows.findIndex((row, index) => index > wait && row.indent <= waitIndent);
  const under = rows.slice(wait + 1, end < 0 ? rows.length : end);
  const read = under.find((row) => row.name === 'read');
  assert.ok(read, `a read under the wait span: ${JSON.stringify(rows)}`);
  assert.deepEqual([read.kernel, read.badge], [true, 'kernel']);
  const shownMs = Number(/^([\d.]+) ms$/.exec(read.duration)?.[1]);
  assert.ok(shownMs <= traced.readNs / 1e6 + 1 && shownMs >= 0.85 * (traced.readNs / 1e6), `the read shows ${read.duration}; the program measured ${traced.readNs / 1e6} ms`);
});

test('SLO board: the SLO the workload breaks is red, with its compliance and the kernel wait behind its bad time', { skip: skipReason, timeout: 240_000 }, async () => {
  const name = `${service}-read`;
  // Slices are whole minutes: the workload's minute counts once it has ended.
  type Status = { name: string; budgetPeriod: { compliance: number | null; totalEvents: number } };
  const deadline = Date.now() + 120_000;
  let status: Status | undefined;
  while (Date.now() < deadline) {
    status = (await api<{ slos: Status[] }>('/v1/slos')).slos.find((slo) => slo.name === name);
    if ((status?.budgetPeriod.totalEvents ?? 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  assert.ok(status && status.budgetPeriod.compliance !== null && status.budgetPeriod.compliance < 0.99, `the API says the SLO is missed: ${JSON.stringify(status)}`);
  await open('view=slos');
  await screenshot('slos');
  const article = page.locator(`article[data-slo="${name}"]`);
  const card = {
    className: (await article.getAttribute('class')) ?? '',
    compliance: (await article.locator('.figure').first().textContent()) ?? '',
    breakdown: await article.locator('.breakdown li .wait').allTextContents(),
  };
  assert.match(card.className, /missed/);
  assert.equal(Number(card.compliance.replace('%', '')), Number((status.budgetPeriod.compliance * 100).toPrecision(3)));
  assert.ok(card.breakdown.includes('ipc'), `the bad time's kernel waits include the pipe reads (ipc): ${JSON.stringify(card.breakdown)}`);
});

/** The stallscope command as a user runs it, against this all-in-one; stdout (a pipe: no colours, no width). */
async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(join(repoRoot, 'scripts', 'stallscope'), args, {
    env: { ...process.env, STALLSCOPE_API_URL: stallscope!.url, STALLSCOPE_API_KEY: stallscope!.token, NO_COLOR: '1' },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

test('the command line gives the same answers: top, diagnose, trace, slo report, profile', { skip: skipReason, timeout: 300_000 }, async (t) => {
  const top = await cli(['top', '--window', '15m', '--by', 'service', '--service', service, '--limit', '5']);
  t.diagnostic(`stallscope top --window 15m --by service --service ${service} --limit 5\n${top}`);
  const pipeLine = top.split('\n').find((line) => new RegExp(`^${service}\\s+read\\s+ipc\\s`).test(line));
  assert.ok(pipeLine, `a read (ipc) row of the service:\n${top}`);
  const asJson = JSON.parse(await cli(['top', '--window', '15m', '--by', 'service', '--service', service, '--limit', '5', '--json'])) as { rows: TopRow[] };
  const jsonPipe = asJson.rows.find((row) => row.syscall === 'read' && row.waitClass === 'ipc');
  assert.ok(jsonPipe && jsonPipe.blockedSeconds >= 0.9 * (ipcReadNs() / 1e9), `--json: ${JSON.stringify(asJson.rows)}`);

  const diagnose = await cli(['diagnose', service, '--window', '15m']);
  t.diagnostic(`stallscope diagnose ${service} --window 15m\n${diagnose}`);
  assert.match(diagnose, /\bipc\b/);
  assert.match(diagnose, /\bread\b/);

  const trace = await cli(['trace', traced.traceId]);
  t.diagnostic(`stallscope trace ${traced.traceId}\n${trace}`);
  const lines = trace.split('\n');
  const waitLine = lines.findIndex((line) => line.includes('wait for feeder'));
  assert.ok(waitLine >= 0, trace);
  assert.ok(lines.slice(waitLine + 1).some((line) => /\[kernel\].*\bread\b/.test(line)), `a [kernel] read under the wait span:\n${trace}`);

  const slos = await cli(['slo', 'report']);
  t.diagnostic(`stallscope slo report\n${slos}`);
  assert.match(slos, new RegExp(`^SLO ${service}-read \\(${service}\\): `, 'm'));
  assert.match(slos, /^where the bad time went/m);

  const folded = await cli(['profile', service, '--type', 'offcpu', '--window', '15m']);
  const pipeStacks = folded.split('\n').filter((line) => line.includes('pipe_read'));
  t.diagnostic(`stallscope profile ${service} --type offcpu --window 15m: ${folded.split('\n').length} stacks, ${pipeStacks.length} through pipe_read, e.g. ${pipeStacks[0]}`);
  assert.ok(pipeStacks.length > 0 && pipeStacks.every((line) => /^\S.* \d+$/.test(line)), `folded stacks through pipe_read:\n${folded.slice(0, 2000)}`);
});

test('no page logged a console error', { skip: skipReason }, () => {
  assert.deepEqual(consoleErrors, []);
});
