import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, type CliIo } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'stallscope-cli-run-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  urls: string[];
}

/** Runs the CLI against a fake API answering `status` and `body` to every request, recording the URLs asked for. */
async function run(argv: string[], status = 200, body: unknown = {}, terminal: { isTTY?: boolean; columns?: number; env?: Record<string, string> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const urls: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: terminal.isTTY ?? false, columns: terminal.columns ?? 80 },
    stderr: { write: (text: string) => (stderr += text) },
    env: terminal.env ?? {},
    cwd: dir,
    homeDir: dir,
    fetch: async (input) => {
      urls.push(String(input));
      return new Response(JSON.stringify(body), { status });
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, urls };
}

test('top turns its flags into the API query', async () => {
  const result = await run(
    ['top', '--url', 'http://api:1/', '--window', '1h', '--by', 'host', '--service', 'api', '--include-idle', '--wait-class', 'disk', '--limit', '5', '--json'],
    200,
    { rows: [] },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.urls, ['http://api:1/v1/syscalls/top?window=1h&by=host&service=api&waitClass=disk&includeIdle=true&limit=5']);
  assert.equal(result.stdout, '{"rows":[]}\n');
});

test('trace and series ask for their routes', async () => {
  assert.deepEqual((await run(['trace', 'abc', '--json'])).urls, ['http://127.0.0.1:8470/v1/traces/abc']);
  assert.deepEqual((await run(['series', '--service', 'api', '--syscall', 'fsync', '--step', '1m', '--json'])).urls, [
    'http://127.0.0.1:8470/v1/syscalls/series?service=api&syscall=fsync&step=1m',
  ]);
});

test('a wrong command line exits 2 with one message and the usage', async () => {
  const unknown = await run(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^stallscope: unknown command frobnicate\nusage: stallscope <command>/);
  const flag = await run(['top', '--colour']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--colour'.*\nusage: stallscope top /s);
  const missing = await run(['series', '--service', 'api']);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'stallscope: series needs --syscall\n');
  const extra = await run(['top', 'now']);
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /top takes no arguments, got now/);
  assert.deepEqual([unknown, flag, missing, extra].flatMap((result) => result.urls), []);
});

test('help prints the usage and exits 0', async () => {
  for (const argv of [['help'], [], ['top', '--help']]) {
    const result = await run(argv);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--key KEY +its bearer key \(STALLSCOPE_API_KEY\)/);
    assert.match(result.stdout, /default: \.\/data\/auth-token when it exists/);
  }
});

test('API errors exit 1 with the API\'s message, and a hint for the key on 401 and 403', async () => {
  const badRequest = await run(['top', '--limit', '0'], 400, { error: { code: 'INVALID_PARAMETER', message: 'querystring/limit must be >= 1' } });
  assert.equal(badRequest.code, 1);
  assert.equal(badRequest.stderr, 'stallscope: querystring/limit must be >= 1 (400 INVALID_PARAMETER)\n');
  const unauthorized = await run(['top'], 401, { error: { code: 'UNAUTHORIZED', message: 'missing or unknown API key (Authorization: Bearer <key>)' } });
  assert.equal(unauthorized.code, 1);
  assert.match(unauthorized.stderr, /no key was given; pass --key, --key-file or STALLSCOPE_API_KEY/);
  const forbidden = await run(['top', '--key', 'k'], 403, { error: { code: 'FORBIDDEN', message: 'service x is outside key k' } });
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /^stallscope: service x is outside key k \(403 FORBIDDEN\): the key's scope does not cover this/);
  const gateway = await run(['top'], 502, 'bad gateway');
  assert.equal(gateway.stderr, 'stallscope: HTTP 502\n');
  const noRoute = await run(['top'], 404, { message: 'Route GET:/v1/syscalls/top not found', error: 'Not Found', statusCode: 404 });
  assert.equal(noRoute.code, 1);
  assert.equal(noRoute.stderr, 'stallscope: http://127.0.0.1:8470 has no route /v1/syscalls/top (404): is it a stallscope query API of this version?\n');
});

const errorsAnswer = {
  window: '15m',
  by: 'errno',
  rows: [{ service: 'checkout-payments-gateway-eu-west-1', syscall: 'connect', errno: 'ECONNREFUSED', errors: 1234, hosts: 2 }],
};

test('on a terminal a table fits its width and is coloured unless NO_COLOR is set', async () => {
  const coloured = await run(['errors'], 200, errorsAnswer, { isTTY: true, columns: 50 });
  assert.equal(coloured.code, 0, coloured.stderr);
  const plainLines = coloured.stdout.replace(/\x1b\[\d+m/g, '').trimEnd().split('\n');
  assert.equal(plainLines[0], 'top failed syscalls by errno, last 15m');
  assert.equal(plainLines[2], 'checkout-pa…  connect  ECONNREFUSED   1,234      2');
  assert.ok(plainLines.every((line) => line.length <= 50));
  assert.match(coloured.stdout, /\x1b\[1mSERVICE/);
  const noColour = await run(['errors'], 200, errorsAnswer, { isTTY: true, columns: 50, env: { NO_COLOR: '1' } });
  assert.doesNotMatch(noColour.stdout, /\x1b\[/);
  const piped = await run(['errors'], 200, errorsAnswer);
  assert.match(piped.stdout, /^checkout-payments-gateway-eu-west-1  connect  ECONNREFUSED   1,234      2$/m);
});
