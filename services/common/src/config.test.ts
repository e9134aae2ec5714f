import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError, envVarName, loadConfig } from './config.js';

const schema = Type.Object(
  {
    dataDir: Type.String(),
    server: Type.Object({ port: Type.Integer({ minimum: 0, maximum: 65535 }), host: Type.String() }, { additionalProperties: false }),
    kafka: Type.Object({ brokers: Type.Array(Type.String()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
type Config = Static<typeof schema>;
const defaults: Config = { dataDir: './data', server: { port: 8470, host: '127.0.0.1' }, kafka: { brokers: ['127.0.0.1:9092'] } };

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'stallscope-config-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

test('env var names follow the key path', () => {
  assert.equal(envVarName('STALLSCOPE', ['agent', 'slowSyscallThresholdMs']), 'STALLSCOPE_AGENT_SLOW_SYSCALL_THRESHOLD_MS');
});

test('defaults < file < env < overrides, with types converted', () => {
  const config = loadConfig({
    schema,
    defaults,
    file: yamlFile('server:\n  port: 9000\n  host: 0.0.0.0\n'),
    env: { STALLSCOPE_SERVER_PORT: '9100', STALLSCOPE_KAFKA_BROKERS: 'a:1, b:2' },
    overrides: { dataDir: '/var/lib/stallscope' },
  });
  assert.deepEqual(config, {
    dataDir: '/var/lib/stallscope',
    server: { port: 9100, host: '0.0.0.0' },
    kafka: { brokers: ['a:1', 'b:2'] },
  });
});

test('unknown keys and bad values are rejected with their paths', () => {
  assert.throws(
    () => loadConfig({ schema, defaults, env: {}, file: yamlFile('server:\n  prot: 1\n') }),
    (error: unknown) => error instanceof ConfigError && /server/.test(error.message) && /prot|additional/i.test(error.message),
  );
  assert.throws(
    () => loadConfig({ schema, defaults, env: { STALLSCOPE_SERVER_PORT: 'eighty' } }),
    (error: unknown) => error instanceof ConfigError && /server\.port/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ schema, defaults, env: {}, file: '/nonexistent/stallscope.yaml' }),
    (error: unknown) => error instanceof ConfigError && /cannot read config file/.test(error.message),
  );
});

test('with rejectUnknownEnv, a STALLSCOPE_ variable that names no setting is refused by name', () => {
  const env = { STALLSCOPE_SERVER_PORT: '9100', STALLSCOPE_SERVER_PROT: '1', STALLSCOPE_CONFIG: '/etc/x.yaml' };
  assert.throws(
    () => loadConfig({ schema, defaults, env, rejectUnknownEnv: { except: ['STALLSCOPE_CONFIG'] } }),
    (error: unknown) => error instanceof ConfigError && /STALLSCOPE_SERVER_PROT/.test(error.message) && !/STALLSCOPE_CONFIG/.test(error.message),
  );
  assert.equal(loadConfig({ schema, defaults, env }).server.port, 9100, 'without the option other variables are left alone');
});
