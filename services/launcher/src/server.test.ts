import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createMetricsRegistry, counter } from '@stallscope/common';
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
    assert.match(await denied.text(), /bearer token/);
    const allowed = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(allowed.status, 200);
    assert.match(await allowed.text(), /stallscope_test_events_total 3/);
    assert.equal((await fetch(`${server.url}/nope`, { headers: { authorization: `Bearer ${token}` } })).status, 404);
  } finally {
    await server.stop();
    await server.stop();
  }
});
