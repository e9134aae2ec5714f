// Real components: the chDB engine (embedded ClickHouse) through createStore,
// and the query API plugin behind the admin-key auth on a real listener
// (127.0.0.1, a free port); the CLI runs as `node main.js <command>` in a
// child process, as `stallscope top` runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@stallscope/common';
import { adminKey, apiKeyAuth, queryApiPlugin, type TopSyscallsResponse } from '@stallscope/query-api';
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
  app = Fastify();
  await app.register(apiKeyAuth, { keys: new Map([adminKey(adminToken, 600)]), publicPaths: new Set(['/healthz']), anyKeyPathPrefixes: [] });
  await app.register(queryApiPlugin, { store, logger });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
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
