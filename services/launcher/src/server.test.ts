import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createMetricsRegistry, counter } from '@stallscope/common';
import { sha256Hex } from '@stallscope/query-api';
import { isAuthorized, resolveAuthToken } from './auth-token.js';
import { createServer } from './server.js';
import { serverConfigDefaults } from './server-config.js';

test('a token is generated once, kept private, and reused', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'stallscope-token-')), 'auth-token');
  const token = resolveAuthToken('', file);
  assert.ok(token.length >= 16);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(resolveAuthToken('', file), token);
  assert.equal(readFileSync(file, 'utf8').trim(), token);
  assert.throws(() => resolveAuthToken('short', file), /at least 16/);
});

test('bearer tokens are compared exactly', () => {
  assert.ok(isAuthorized('Bearer secret-token-123456', 'secret-token-123456'));
  assert.ok(!isAuthorized('Bearer secret-token-12345', 'secret-token-123456'));
  assert.ok(!isAuthorized('secret-token-123456', 'secret-token-123456'));
  assert.ok(!isAuthorized(undefined, 'secret-token-123456'));
});

test('the server guards everything but /healthz and serves Prometheus metrics', async () => {
  const metrics = createMetricsRegistry();
  counter(metrics, { name: 'stallscope_test_events_total', help: 'test' }).inc(3);
  const token = 'x'.repeat(32);
  const server = createServer({ ...serverConfigDefaults, port: 0 }, { logger: createLogger('silent'), metrics, authToken: token });
  await server.start();
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const denied = await fetch(`${server.url}/metrics`);
    assert.equal(denied.status, 401);
    assert.deepEqual(await denied.json(), { error: { code: 'UNAUTHORIZED', message: 'missing or unknown API key (Authorization: Bearer <key>)' } });
    const allowed = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /stallscope_test_events_total 3/);
    assert.equal((await fetch(`${server.url}/nope`, { headers: { authorization: `Bearer ${token}` } })).status, 404);
  } finally {
    await server.stop();
    await server.stop();
  }
});

interface ErrorBody {
  error: { code: string; message: string };
}

test('keys from the API key file: scoped keys reach only per-service routes, each key has its own rate limit', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'stallscope-keys-')), 'api-keys.yaml');
  const scopedSecret = 'scoped-secret-0123456789';
  writeFileSync(file, `keys:\n  - id: payments\n    sha256: ${sha256Hex(scopedSecret)}\n    servicePrefixes: [pay]\n    rateLimitPerMinute: 2\n`);
  const token = 'y'.repeat(32);
  const server = createServer(
    { ...serverConfigDefaults, port: 0, apiKeysFile: file, rateLimitPerMinute: 3 },
    { logger: createLogger('silent'), metrics: createMetricsRegistry(), authToken: token },
  );
  server.app.register(async (app) => {
    app.get('/per-service', { config: { serviceScoped: true } }, async (request) => ({ key: request.principal?.keyId }));
  });
  await server.start();
  const get = (path: string, secret: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  try {
    const scoped = await get('/per-service', scopedSecret);
    assert.deepEqual(await scoped.json(), { key: 'payments' });
    const metrics = await get('/metrics', scopedSecret);
    assert.equal(metrics.status, 403);
    assert.equal(((await metrics.json()) as ErrorBody).error.code, 'FORBIDDEN');
    assert.equal((await get('/per-service', scopedSecret)).status, 200);
    const limited = await get('/per-service', scopedSecret);
    assert.equal(limited.status, 429, 'the third served request of the minute: over the key\'s 2');
    assert.equal(((await limited.json()) as ErrorBody).error.code, 'RATE_LIMITED');
    assert.equal((await get('/per-service', token)).status, 200, "another key's budget is its own");
    assert.equal((await get('/per-service', 'not-a-key-0123456789')).status, 401);
  } finally {
    await server.stop();
  }
});

test('an API key file that is not valid is refused at start, naming the problem', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'stallscope-keys-')), 'api-keys.json');
  writeFileSync(file, JSON.stringify({ keys: [{ id: 'k', sha256: 'plain-secret', servicePrefixes: ['a'] }] }));
  assert.throws(
    () => createServer({ ...serverConfigDefaults, apiKeysFile: file }, { logger: createLogger('silent'), metrics: createMetricsRegistry(), authToken: 'z'.repeat(32) }),
    /api-keys\.json: \/keys\/0\/sha256 Expected string to match/,
  );
});
