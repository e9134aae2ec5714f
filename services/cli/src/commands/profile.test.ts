import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { runAgainstFakeApi } from '../test-fixtures/fake-api.js';

const cwd = mkdtempSync(join(tmpdir(), 'stallscope-cli-profile-test-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const folded = 'main;handle;fsync 120\nmain;idle 3\n';

test('profile asks /v1/profiles/{type} with the service, range, host and format, and prints folded stacks as they came', async () => {
  const result = await runAgainstFakeApi(
    ['profile', 'checkout', '--type', 'offcpu', '--window', '1h', '--host', 'host-a', '--url', 'http://api:1'],
    { body: folded, contentType: 'text/plain; charset=utf-8' },
    { cwd },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.requests, [{ url: 'http://api:1/v1/profiles/offcpu?service=checkout&window=1h&host=host-a&format=folded', accept: 'text/plain' }]);
  assert.equal(result.stdout, folded);
});

test('profile --from/--to passes the range; --json asks for speedscope', async () => {
  const speedscope = { $schema: 'https://www.speedscope.app/file-format-schema.json', profiles: [] };
  const result = await runAgainstFakeApi(['profile', 'api', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T01:00:00Z', '--json'], { body: speedscope }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.requests[0]?.url,
    'http://127.0.0.1:8470/v1/profiles/cpu?service=api&from=2026-01-01T00%3A00%3A00Z&to=2026-01-01T01%3A00%3A00Z&format=speedscope',
  );
  assert.deepEqual(JSON.parse(result.stdout), speedscope);
});

test('profile --format pprof writes the gzip bytes unchanged to --output', async () => {
  const pprof = gzipSync(Buffer.from([0x0a, 0x02, 0x08, 0x01, 0xff, 0x00]));
  const result = await runAgainstFakeApi(['profile', 'api', '--format', 'pprof', '--output', 'api.pb.gz'], { body: new Uint8Array(pprof), contentType: 'application/octet-stream' }, { cwd, isTTY: true });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.requests[0]?.accept, 'application/octet-stream');
  assert.deepEqual(readFileSync(join(cwd, 'api.pb.gz')), pprof);
  assert.equal(result.stdout, `wrote ${pprof.length} bytes (application/octet-stream) to ${join(cwd, 'api.pb.gz')}\n`);
});

test('profile --format pprof goes to a pipe as bytes, and is refused on a terminal before any request', async () => {
  const pprof = new Uint8Array(gzipSync(Buffer.from('profile')));
  const piped = await runAgainstFakeApi(['profile', 'api', '--format', 'pprof'], { body: pprof, contentType: 'application/octet-stream' }, { cwd });
  assert.equal(piped.code, 0, piped.stderr);
  assert.deepEqual(piped.stdoutBytes, Buffer.from(pprof));
  const terminal = await runAgainstFakeApi(['profile', 'api', '--format', 'pprof'], { body: pprof }, { cwd, isTTY: true });
  assert.equal(terminal.code, 2);
  assert.equal(terminal.stderr, 'stallscope: profile --format pprof is binary: give --output FILE or pipe it\n');
  assert.deepEqual(terminal.requests, []);
});

test('a wrong type, format or range exits 2 naming it; an API error exits 1 with its message', async () => {
  const cases: [string[], RegExp][] = [
    [['profile', 'api', '--type', 'memory'], /^stallscope: --type must be cpu, offcpu, goroutine-wait; got memory\n$/],
    [['profile', 'api', '--format', 'svg'], /^stallscope: --format must be folded, pprof, speedscope; got svg\n$/],
    [['profile', 'api', '--window', '1h', '--from', '2026-01-01T00:00:00Z'], /^stallscope: give --window or --from\/--to, not both\n$/],
    [['profile', 'api', '--json', '--format', 'folded'], /--json is the speedscope format/],
    [['profile'], /profile takes <service>, got none/],
  ];
  for (const [argv, message] of cases) {
    const result = await runAgainstFakeApi(argv, {}, { cwd });
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.stderr, message);
    assert.deepEqual(result.requests, []);
  }
  const refused = await runAgainstFakeApi(['profile', 'nobody'], { status: 404, body: { error: { code: 'NO_PROFILE', message: 'no samples for service nobody' } } }, { cwd });
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, 'stallscope: no samples for service nobody (404 NO_PROFILE)\n');
  assert.equal(refused.stdout, '');
});
