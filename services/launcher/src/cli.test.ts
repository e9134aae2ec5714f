// Real components: the chDB engine (embedded ClickHouse) through createStore,
// and the query API plugin behind the admin-key auth on a real listener
// (127.0.0.1, a free port); the CLI runs as `node main.js <command>` in a
// child process, as `stallscope top` runs it. Rows go in as the ingest writes
// them: histograms (the rollups' views take them from there), one slow-syscall
// span, off-CPU stack records; an SLO goes in through PUT /v1/slos.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { adminKey, apiKeyAuth, queryApiPlugin, type Diagnosis, type SloReport, type TopSyscallsResponse } from '@stallscope/query-api';
import { AGENT_SCOPE_NAME, LogAttr, OFFCPU_STACK_EVENT, ResourceAttr, SpanAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-cli-e2e-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });
const adminToken = 'cli-test-admin-token';
let app: FastifyInstance;
let url = '';

interface Point {
  service: string;
  host: string;
  syscall: string;
  waitClass: string;
  offset: number;
  counts: number[];
  sumNs: number;
  maxNs: number;
}

/** One exponential-histogram point two minutes old, as the ingest writes it; the rollups' views take it from there. */
function histogramRow(point: Point) {
  const timeUnix = Math.floor(Date.now() / 1000) - 120;
  return {
    ResourceAttributes: { 'service.name': point.service, 'host.name': point.host },
    ServiceName: point.service,
    MetricName: 'syscall.duration',
    MetricUnit: 'ns',
    Attributes: { 'stallscope.syscall.name': point.syscall, 'stallscope.wait_class': point.waitClass },
    StartTimeUnix: `${timeUnix - 10}.000000000`,
    TimeUnix: `${timeUnix}.000000000`,
    Count: String(point.counts.reduce((total, count) => total + count, 0)),
    Sum: point.sumNs,
    Scale: 0,
    ZeroCount: '0',
    PositiveOffset: point.offset,
    PositiveBucketCounts: point.counts.map(String),
    Min: 0,
    Max: point.maxNs,
    AggregationTemporality: 1,
  };
}

const points: Point[] = [
  { service: 'checkout', host: 'host-a', syscall: 'flock', waitClass: 'lock', offset: 24, counts: [400], sumNs: 8e9, maxNs: 3e7 },
  { service: 'checkout', host: 'host-b', syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [1200], sumNs: 1.8e9, maxNs: 2.05e6 },
  { service: 'payments-gateway-eu-west-1', host: 'host-a', syscall: 'connect', waitClass: 'network', offset: 18, counts: [30], sumNs: 1.5e7, maxNs: 6e5 },
  { service: 'checkout', host: 'host-a', syscall: 'futex', waitClass: 'idle', offset: 26, counts: [100], sumNs: 5e10, maxNs: 1e8 },
];

const twoMinutesAgo = () => Math.floor(Date.now() / 1000) - 120;

/** One slow flock of checkout, as the agent's span for it lands in otel_traces. */
function slowFlockSpan() {
  return {
    Timestamp: `${twoMinutesAgo()}.000000000`,
    TraceId: '0af7651916cd43dd8448eb211c80319c',
    SpanId: 'b7ad6b7169203331',
    SpanName: 'flock',
    SpanKind: 'Internal',
    ServiceName: 'checkout',
    ResourceAttributes: { [ResourceAttr.serviceName]: 'checkout', [ResourceAttr.hostName]: 'host-a', [ResourceAttr.processPid]: '4242' },
    ScopeName: AGENT_SCOPE_NAME,
    SpanAttributes: {
      [SpanAttr.syscallName]: 'flock',
      [SpanAttr.waitClass]: 'lock',
      [SpanAttr.waitClassRule]: 'syscall',
      [SpanAttr.fdTarget]: 'file',
      [SpanAttr.filePath]: '/var/lib/checkout/orders.lock',
      [SpanAttr.threadId]: '4243',
    },
    Duration: 30_000_000,
  };
}

/** An off-CPU stack record of checkout, as the agent exports one per stack and interval. */
function offCpuStackLog(stack: string, offCpuNs: number) {
  return {
    Timestamp: `${twoMinutesAgo()}.000000000`,
    ServiceName: 'checkout',
    ResourceAttributes: { [ResourceAttr.serviceName]: 'checkout', [ResourceAttr.hostName]: 'host-a' },
    ScopeName: AGENT_SCOPE_NAME,
    Body: stack,
    EventName: OFFCPU_STACK_EVENT,
    LogAttributes: { [LogAttr.threadState]: 'sleep', [LogAttr.offCpuNs]: String(offCpuNs), [LogAttr.sleeps]: '1' },
  };
}

/** checkout's flock p99 under 20 ms in 99% of minutes: the minute of 30 ms flocks is a bad one. */
const FLOCK_SLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-flock-p99
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-flock-p99
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: syscall.duration
            syscall: flock
            statistic: p99
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 20
      target: 0.99
      timeSliceWindow: 1m
`;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `stallscope <args>` in a child process, from an empty directory and home (no ./data/auth-token, no cli.yaml). */
function stallscope(args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dataDir, XDG_CONFIG_HOME: '' };
  delete env.STALLSCOPE_API_URL;
  delete env.STALLSCOPE_API_KEY;
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: dataDir, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A port nothing listens on: one the kernel just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

before(async () => {
  await store.start();
  await store.client.insert({ table: 'otel_metrics_exponential_histogram', values: points.map(histogramRow), format: 'JSONEachRow' });
  await store.client.insert({ table: 'otel_traces', values: [slowFlockSpan()], format: 'JSONEachRow' });
  await store.client.insert({
    table: 'otel_logs',
    values: [offCpuStackLog('main;placeOrder;flock;__schedule', 2.5e9), offCpuStackLog('main;placeOrder;fsync;__schedule', 5e8)],
    format: 'JSONEachRow',
  });
  app = Fastify();
  await app.register(apiKeyAuth, { keys: new Map([adminKey(adminToken, 600)]), publicPaths: new Set(['/healthz']), anyKeyPathPrefixes: [] });
  await app.register(queryApiPlugin, { store, logger });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const put = await fetch(`${url}/v1/slos/checkout-flock-p99`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/yaml' },
    body: FLOCK_SLO,
  });
  assert.equal(put.status, 200, await put.text());
});

after(async () => {
  await app.close();
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('stallscope <command> against a real query API over chDB', () => {
  it('top --json prints the API answer as is', async () => {
    const result = await stallscope(['top', '--url', url, '--key', adminToken, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as TopSyscallsResponse;
    assert.equal(answer.by, 'service');
    assert.deepEqual(
      answer.rows.map((row) => [row.service, row.syscall, row.calls]),
      [
        ['checkout', 'flock', 400],
        ['checkout', 'fsync', 1200],
        ['payments-gateway-eu-west-1', 'connect', 30],
      ],
    );
  });

  it('top prints a table in human units, the longest blocking first', async () => {
    const result = await stallscope(['top', '--url', url, '--key', adminToken]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'top blocked syscalls by service, last 15m (1m rollup)');
    assert.match(lines[1]!, /^SERVICE +SYSCALL +WAIT +BLOCKED +CALLS +P50 +P90 +P99 +MAX +HOSTS$/);
    assert.match(lines[2]!, /^checkout +flock +lock +8 s +400 +\S+ ms +\S+ ms +\S+ ms +30 ms +1$/);
    assert.match(lines[3]!, /^checkout +fsync +disk +1\.8 s +1,200 +1\.48 ms +1\.96 ms +2\.05 ms +2\.05 ms +1$/);
    assert.match(lines[4]!, /^payments-gateway-eu-west-1 +connect +network +15 ms +30 +\S+ µs .* 600 µs +1$/);
    assert.equal(lines.length, 5);
    assert.doesNotMatch(result.stdout, /\x1b\[/);
  });

  it('top --by syscall --include-idle groups by syscall and ranks idle waits too', async () => {
    const result = await stallscope(['top', '--url', url, '--key', adminToken, '--by', 'syscall', '--include-idle', '--limit', '2']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[1]!, /^SYSCALL +WAIT +BLOCKED/);
    assert.match(lines[2]!, /^futex +idle +50 s +100 /);
    assert.equal(lines.length, 4);
  });

  it('series draws sparklines of blocked seconds and calls', async () => {
    const result = await stallscope(['series', '--url', url, '--key', adminToken, '--service', 'checkout', '--syscall', 'fsync', '--window', '1h', '--step', '5m']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^last 1h by 5m \(1m rollup\), 1[23] steps /);
    assert.match(lines[1]!, /^blocked +▁*█▁*  max 1\.8 s\/step, total 1\.8 s$/);
    assert.match(lines[2]!, /^calls +▁*█▁*  max 1,200\/step, total 1,200$/);
  });

  it('a 400 exits 1 with the API\'s message', async () => {
    const result = await stallscope(['top', '--url', url, '--key', adminToken, '--window', '1m']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'stallscope: window must be between 5m and 30d, got 1m (400 WINDOW_OUT_OF_RANGE)\n');
    assert.equal(result.stdout, '');
  });

  it('a wrong key exits 1 with a hint about the key', async () => {
    const result = await stallscope(['top', '--url', url, '--key', 'wrong']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^stallscope: missing or unknown API key .*\(401 UNAUTHORIZED\): the key was not accepted; pass --key, --key-file or STALLSCOPE_API_KEY/);
  });

  it('an unreachable API exits 1 naming the URL', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const result = await stallscope(['top', '--url', down, '--key', adminToken]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `stallscope: cannot reach the query API at ${down} (ECONNREFUSED); is stallscope running? set --url or STALLSCOPE_API_URL\n`);
  });

  it('the launcher flags still run the launcher', async () => {
    const result = await stallscope(['--list-targets']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^all\t-> /m);
  });
});

describe('stallscope diagnose, slo and profile against a real query API over chDB', () => {
  it('diagnose <service> shows non-idle waits by class, the slow flock with its file, and off-CPU stacks', async () => {
    const result = await stallscope(['diagnose', 'checkout', '--url', url, '--key', adminToken]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^diagnosis of checkout, last 15m \(\S+ to \S+\)$/);
    assert.equal(lines[2], 'waits by class (idle waits, left out: 50 s)');
    assert.match(lines[4]!, /^lock +8 s +flock 8 s$/);
    assert.match(lines[5]!, /^disk +1\.8 s +fsync 1\.8 s$/);
    assert.match(result.stdout, /^\S+ \S+ +30 ms +flock +lock +syscall +\/var\/lib\/checkout\/orders\.lock +- +host-a +4242 +4243 +0af7651916cd43dd8448eb211c80319c$/m);
    assert.match(result.stdout, /^ +2\.5 s +sleep +main;placeOrder;flock;__schedule\n +500 ms +sleep +main;placeOrder;fsync;__schedule$/m);
    assert.match(result.stdout, /^error storms: none$/m);
  });

  it('diagnose --json prints the diagnosis; --markdown the API\'s Markdown', async () => {
    const json = await stallscope(['diagnose', 'checkout', '--url', url, '--key', adminToken, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const diagnosis = JSON.parse(json.stdout) as Diagnosis;
    assert.deepEqual(diagnosis.waitsByClass.map((total) => [total.waitClass, total.blockedSeconds]), [['lock', 8], ['disk', 1.8]]);
    const markdown = await stallscope(['diagnose', 'checkout', '--url', url, '--key', adminToken, '--markdown']);
    assert.equal(markdown.code, 0, markdown.stderr);
    assert.match(markdown.stdout, /^# Diagnosis of checkout, last 15m$/m);
  });

  it('slo list and slo report show the SLO the 30 ms flocks break', async () => {
    const list = await stallscope(['slo', 'list', '--url', url, '--key', adminToken]);
    assert.equal(list.code, 0, list.stderr);
    const [header, row] = list.stdout.trimEnd().split('\n');
    assert.match(header!, /^NAME +SERVICE +TARGET +PERIOD +COMPLIANCE +BUDGET LEFT +BURN +SOURCE$/);
    assert.match(row!, /^checkout-flock-p99 +checkout +99\.000% +30d +0\.000% +\S+% +page +api$/);
    const report = await stallscope(['slo', 'report', 'checkout-flock-p99', '--url', url, '--key', adminToken]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^SLO checkout-flock-p99 \(checkout\): .*flock.*, Timeslices$/m);
    assert.match(report.stdout, /^ +1h +0\.000% +0 +1 +100\.00× +/m);
    assert.match(report.stdout, /^1 bad period\(s\), 60 s in all$/m);
    assert.match(report.stdout, /^flock +lock +8 s +400 +30 ms$/m);
    const json = await stallscope(['slo', 'report', 'checkout-flock-p99', '--url', url, '--key', adminToken, '--json']);
    assert.equal((JSON.parse(json.stdout) as SloReport).badTime.badPeriods, 1);
    const missing = await stallscope(['slo', 'report', 'nope', '--url', url, '--key', adminToken]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'stallscope: no SLO named nope (404 SLO_NOT_FOUND)\n');
  });

  it('profile --type offcpu writes checkout\'s folded stacks, heaviest first, and pprof to a file', async () => {
    const folded = await stallscope(['profile', 'checkout', '--type', 'offcpu', '--format', 'folded', '--url', url, '--key', adminToken]);
    assert.equal(folded.code, 0, folded.stderr);
    const lines = folded.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^main;placeOrder;flock;__schedule \d+$/);
    assert.match(lines[1]!, /^main;placeOrder;fsync;__schedule \d+$/);
    assert.equal(Number(lines[0]!.split(' ')[1]) / Number(lines[1]!.split(' ')[1]), 5);
    const pprof = await stallscope(['profile', 'checkout', '--type', 'offcpu', '--format', 'pprof', '--output', 'checkout.pb.gz', '--url', url, '--key', adminToken]);
    assert.equal(pprof.code, 0, pprof.stderr);
    const bytes = readFileSync(join(dataDir, 'checkout.pb.gz'));
    assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
  });
});
