// The distributed stack's compose file: checked structurally everywhere (no
// Docker engine in CI), and by `docker compose config` where the plugin exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@stallscope/common';
import { launcherConfigDefaults, launcherConfigSchema } from '@stallscope/launcher';
import { repoRoot } from './fixtures/repo.js';

/** `${NAME:?message}`: compose refuses to start unless NAME is set in its environment. */
const REQUIRED_SUBSTITUTION = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$/;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: unknown };
  privileged?: boolean;
  pid?: string;
}

const composeFile = join(repoRoot, 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

test('every service has a pinned image and a health check', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    assert.ok(service.image, `${name} has an image`);
    assert.match(service.image, /:[0-9][\w.-]*$/, `${name}'s image ${service.image} is pinned to a version`);
    assert.ok(service.healthcheck?.test, `${name} has a health check`);
  }
});

test('the stack runs the distributed targets over Kafka, the agent privileged in the host pid namespace', () => {
  const targets = Object.values(compose.services).map((service) => service.command?.[1]).filter(Boolean);
  assert.deepEqual(targets.sort(), ['agent', 'ingest', 'query-api']);
  assert.equal(compose.services.agent?.privileged, true);
  assert.equal(compose.services.agent?.pid, 'host', 'the loader identifies processes by host pid');
});

test('every STALLSCOPE_* variable in the compose file is a valid setting (and docker compose config passes)', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {})
        .filter(([key]) => key.startsWith('STALLSCOPE_'))
        .map(([key, value]) => [key, String(value).replace(REQUIRED_SUBSTITUTION, 'x'.repeat(24))]),
    );
    if (Object.keys(env).length === 0) continue;
    const config = loadConfig({ schema: launcherConfigSchema, defaults: launcherConfigDefaults, env });
    assert.equal(config.transport.kind, 'kafka', `${name} uses Kafka`);
  }
  // Where the compose plugin exists, Docker's own parser has the last word too.
  if (spawnSync('docker', ['compose', 'version']).status !== 0) {
    console.log('docker compose plugin not installed here: checked structurally only');
    return;
  }
  const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, STALLSCOPE_SERVER_AUTH_TOKEN: 'x'.repeat(24), CLICKHOUSE_PASSWORD: 'x'.repeat(24) },
  });
  assert.equal(result.status, 0, result.stderr);
});


test('no password, token or secret is written in the file: each is a required substitution', () => {
  const secretKey = /PASSWORD|TOKEN|SECRET/;
  let secrets = 0;
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (!secretKey.test(key)) continue;
      secrets += 1;
      assert.match(String(value), REQUIRED_SUBSTITUTION, `${name}: ${key} must come from the environment, not be written here`);
    }
    const healthcheck = JSON.stringify(service.healthcheck?.test ?? '');
    for (const flag of healthcheck.matchAll(/--password[ "=,]+\\?"?([^" ,\\]+)/g)) {
      assert.match(flag[1] ?? '', /^\$\$[A-Z_]+$/, `${name}'s health check passes a literal password`);
    }
  }
  assert.ok(secrets >= 4, 'the store password of ClickHouse, ingest and query API, and the auth token, were checked');
});
