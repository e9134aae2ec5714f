import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [main, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });

test('--list-targets names every user-facing target and what it runs', () => {
  const result = run(['--list-targets']);
  assert.equal(result.status, 0);
  assert.match(result.stdout, /^all\t-> agent, ingest, query-api, collector$/m);
  assert.match(result.stdout, /^agent\t-> server, transport$/m);
  assert.match(result.stdout, /^collector\t-> server, transport$/m);
});

test('a split target on the in-process transport is refused before anything starts', () => {
  for (const target of ['agent', 'collector', 'ingest']) {
    const result = run(['--target', target]);
    assert.equal(result.status, 2, target);
    assert.match(result.stderr, /in-process transport only connects producers \(agent, collector\) and an ingest in the same process/);
  }
});

test('unknown targets and bad configuration exit with a message', () => {
  const target = run(['--target', 'frontend']);
  assert.equal(target.status, 1);
  assert.match(target.stderr, /unknown target frontend/);
  const config = run(['--target', 'all'], { STALLSCOPE_SERVER_PORT: 'http' });
  assert.equal(config.status, 2);
  assert.match(config.stderr, /server\.port/);
});

test("the command line's STALLSCOPE_API_URL and STALLSCOPE_API_KEY do not stop the launcher", () => {
  // Past the environment check, an unknown target is the next thing refused.
  const result = run(['--target', 'frontend'], { STALLSCOPE_API_URL: 'http://127.0.0.1:8470', STALLSCOPE_API_KEY: 'secret' });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /unknown target frontend/);
});
