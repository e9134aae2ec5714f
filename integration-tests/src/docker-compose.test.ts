// The distributed stack's compose file: checked structurally everywhere (no
// Docker engine in CI), and by `docker compose config` where the plugin exists.
// The STALLSCOPE_* variables are run through the launcher's own config loader,
// which refuses unknown names as the launcher does at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@stallscope/common';
import { launcherConfigDefaults, launcherConfigSchema, userTargets } from '@stallscope/launcher';
import { repoRoot } from './fixtures/repo.js';

/** `${NAME:?message}`: compose refuses to start unless NAME is set in its environment. */
const REQUIRED_SUBSTITUTION = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$/;
/** What `docker compose up` is given in these tests: the secrets the file requires. */
const SECRETS_ENV = { STALLSCOPE_SERVER_AUTH_TOKEN: 'x'.repeat(24), CLICKHOUSE_PASSWORD: 'x'.repeat(24), GRAFANA_ADMIN_PASSWORD: 'x'.repeat(12) };

/** A value as compose interpolates it from its environment: `${NAME:?message}` (set and non-empty, else refused) and `${NAME:-default}`. */
function interpolate(value: string | number, env: Record<string, string>): string {
  return String(value).replace(/\$\{([A-Z][A-Z0-9_]*)(?::([?-])([^}]*))?\}/g, (_match, name: string, kind?: string, word?: string) => {
    const given = env[name];
    if (given !== undefined && given !== '') return given;
    if (kind === '?') throw new Error(`compose refuses to start: ${name} ${word}`);
    return kind === '-' ? (word ?? '') : '';
  });
}

/** The launcher config each stallscope service starts with, given compose's environment. */
function launcherConfigs(env: Record<string, string>) {
  return stallscopeServices.map(([name, service]) => {
    const serviceEnv = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(value, env)]));
    return [name, loadConfig({ schema: launcherConfigSchema, defaults: launcherConfigDefaults, env: serviceEnv, rejectUnknownEnv: { except: [] } })] as const;
  });
}

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: unknown };
  privileged?: boolean;
  pid?: string;
  volumes?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, unknown>;
}

const composeFile = join(repoRoot, 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = Object.entries(compose.services);
/** Services that run the launcher: the image built from the Dockerfile. */
const stallscopeServices = services.filter(([, service]) => service.image?.startsWith('stallscope:'));

test('every service has a pinned image and a health check', () => {
  for (const [name, service] of services) {
    assert.ok(service.image, `${name} has an image`);
    assert.match(service.image, /:[0-9][\w.-]*$/, `${name}'s image ${service.image} is pinned to a version`);
    assert.doesNotMatch(service.image, /:latest$/);
    assert.ok(service.healthcheck?.test, `${name} has a health check`);
  }
});

test('the stack runs every distributed target over Kafka, the agent privileged in the host pid namespace', () => {
  const targets = stallscopeServices.map(([, service]) => service.command?.[1]);
  assert.deepEqual(targets.sort(), ['agent', 'collector', 'ingest', 'query-api']);
  for (const target of targets) assert.ok(userTargets.includes(target as (typeof userTargets)[number]), `${target} is a launcher target`);
  assert.equal(compose.services.agent?.privileged, true);
  assert.equal(compose.services.agent?.pid, 'host', 'the loader identifies processes by host pid');
  assert.ok(compose.services.agent?.volumes?.includes('/sys/kernel/btf:/sys/kernel/btf:ro'), 'CO-RE reads the host kernel BTF');
  assert.ok(compose.services.agent?.volumes?.includes('/sys/kernel/tracing:/sys/kernel/tracing:ro'), 'tracepoint ids come from tracefs');
});

test('two ingest replicas share one consumer group; only the ingest migrates', () => {
  const ingest = compose.services.ingest;
  assert.equal(ingest?.deploy?.replicas, 2);
  // One service definition for both replicas: the same environment, so the same group.
  assert.equal(ingest?.environment?.STALLSCOPE_INGEST_CONSUMER_GROUP, undefined, 'the default group, shared');
  assert.equal(Number(ingest?.environment?.STALLSCOPE_TRANSPORT_KAFKA_TOPIC_PARTITIONS) >= 2, true, 'a partition for each replica');
  assert.equal(String(compose.services['query-api']?.environment?.STALLSCOPE_STORE_MIGRATE), 'false');
});

test('data lives on named volumes', () => {
  const mounts = (name: string) => (compose.services[name]?.volumes ?? []).map((volume) => volume.split(':'));
  for (const [service, path] of [['kafka', '/var/lib/kafka/data'], ['clickhouse', '/var/lib/clickhouse'], ['grafana', '/var/lib/grafana']] as const) {
    const mount = mounts(service).find(([, target]) => target === path);
    assert.ok(mount, `${service} keeps ${path} on a volume`);
    assert.ok(mount[0]! in compose.volumes, `${service}'s volume ${mount[0]} is declared`);
  }
});

test('every STALLSCOPE_* variable in the compose file is a setting the launcher accepts (and docker compose config passes)', () => {
  for (const [name, config] of launcherConfigs(SECRETS_ENV)) {
    assert.equal(config.transport.kind, 'kafka', `${name} uses Kafka`);
    assert.deepEqual(config.transport.kafka.brokers, ['kafka:9092'], `${name} reaches the kafka service`);
    if (name !== 'agent' && name !== 'collector') assert.equal(config.store.url, 'http://clickhouse:8123', `${name} reaches the clickhouse service`);
  }
  // Where the compose plugin exists, Docker's own parser has the last word too.
  if (spawnSync('docker', ['compose', 'version']).status !== 0) {
    console.log('docker compose plugin not installed here: checked structurally only');
    return;
  }
  const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, ...SECRETS_ENV },
  });
  assert.equal(result.status, 0, result.stderr);
});

test('self-tracing is off unless STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT is given; then every target sends its spans as stallscope-<target>', () => {
  for (const [name, config] of launcherConfigs(SECRETS_ENV)) {
    assert.equal(config.selfTracing.tracesEndpoint, '', `${name}: off by default`);
  }
  const given = { ...SECRETS_ENV, STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT: 'http://observer.example:4317', STALLSCOPE_SELF_TRACING_SAMPLE_RATIO: '0.5' };
  const configs = launcherConfigs(given);
  assert.deepEqual(configs.map(([name]) => name).sort(), ['agent', 'collector', 'ingest', 'query-api']);
  for (const [name, config] of configs) {
    // An empty service name is stallscope-<target>: each service runs one target.
    assert.deepEqual(config.selfTracing, { tracesEndpoint: 'http://observer.example:4317', serviceName: '', sampleRatio: 0.5 }, `${name}: on`);
  }
  assert.equal(launcherConfigs({ ...SECRETS_ENV, STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT: 'http://observer.example:4317' })[0]![1].selfTracing.sampleRatio, 1, 'every root span by default');
});

test('a required secret that is not given stops compose, as the checks above rely on', () => {
  assert.throws(() => launcherConfigs({}), /STALLSCOPE_SERVER_AUTH_TOKEN set a token/);
});

test('the launcher config loader refuses a misspelt STALLSCOPE_* name, as the check above relies on', () => {
  assert.throws(
    () => loadConfig({ schema: launcherConfigSchema, defaults: launcherConfigDefaults, env: { STALLSCOPE_TRANSPORT_KAFKA_BROKER: 'kafka:9092' }, rejectUnknownEnv: { except: [] } }),
    /STALLSCOPE_TRANSPORT_KAFKA_BROKER\b/,
  );
});

test('Grafana reads infra/grafana and gets every variable its data sources need', () => {
  const grafana = compose.services.grafana;
  assert.ok(grafana);
  assert.ok(grafana.volumes?.includes('./infra/grafana/provisioning:/etc/grafana/provisioning:ro'));
  const providers = (parse(readFileSync(join(repoRoot, 'infra/grafana/provisioning/dashboards/stallscope.yaml'), 'utf8')) as { providers: { options: { path: string } }[] }).providers;
  for (const provider of providers) {
    assert.ok(grafana.volumes?.includes(`./infra/grafana/dashboards:${provider.options.path}:ro`), `the dashboards are mounted where the provider reads them (${provider.options.path})`);
  }
  // The values only: the file's comments speak of ${VAR} too.
  const dataSources = JSON.stringify(parse(readFileSync(join(repoRoot, 'infra/grafana/provisioning/datasources/stallscope.yaml'), 'utf8')));
  const needed = [...dataSources.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!);
  assert.ok(needed.length >= 2);
  for (const variable of needed) assert.ok(grafana.environment?.[variable] !== undefined, `grafana's environment sets ${variable}`);
  // Defaults name compose services: the ClickHouse host and the query API's URL.
  const defaults = [...dataSources.matchAll(/\$\{(\w+):-([^}]+)\}/g)].map((match) => [match[1]!, match[2]!] as const);
  assert.equal(defaults.find(([name]) => name === 'STALLSCOPE_CLICKHOUSE_HOST')?.[1], 'clickhouse');
  assert.equal(defaults.find(([name]) => name === 'STALLSCOPE_QUERY_API_URL')?.[1], 'http://query-api:8470');
  for (const service of ['clickhouse', 'query-api']) assert.ok(service in compose.services && service in (grafana.depends_on ?? {}));
});

test('no password, token or secret is written in the file: each is a required substitution', () => {
  const secretKey = /PASSWORD|TOKEN|SECRET/;
  let secrets = 0;
  for (const [name, service] of services) {
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
  assert.ok(secrets >= 10, `${secrets}: the ClickHouse password of ClickHouse, ingest, query API and Grafana, the auth token of every target and Grafana, Grafana's admin password`);
});
