import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@stallscope/common';
import { kafkaSecurityOptions, validateKafkaTransportConfig } from './kafka-config.js';
import {
  inProcessTransportConfigDefaults,
  inProcessTransportConfigSchema,
  kafkaTransportConfigDefaults,
  kafkaTransportConfigSchema,
} from './config.js';

test('the defaults validate, and the kafka section reads brokers from the environment', () => {
  assert.deepEqual(
    loadConfig({ schema: inProcessTransportConfigSchema, defaults: inProcessTransportConfigDefaults, env: {} }),
    { maxQueuedMessages: 10_000 },
  );
  const kafka = loadConfig({
    schema: kafkaTransportConfigSchema,
    defaults: kafkaTransportConfigDefaults,
    env: { STALLSCOPE_BROKERS: '10.0.0.1:9092, 10.0.0.2:9092', STALLSCOPE_TOPIC_PARTITIONS: '12' },
  });
  assert.deepEqual(kafka.brokers, ['10.0.0.1:9092', '10.0.0.2:9092']);
  assert.equal(kafka.topicPartitions, 12);
  assert.equal(kafkaTransportConfigDefaults.clientId, 'stallscope');
});

test('unknown keys are rejected', () => {
  assert.throws(
    () =>
      loadConfig({
        schema: kafkaTransportConfigSchema,
        defaults: kafkaTransportConfigDefaults,
        env: {},
        overrides: { brokerList: ['x:1'] },
      }),
    /unknown key/,
  );
});

test('the kafka defaults pass validation; timings that outlive the session are refused, each named', () => {
  validateKafkaTransportConfig(kafkaTransportConfigDefaults);
  assert.throws(
    () =>
      validateKafkaTransportConfig({
        ...kafkaTransportConfigDefaults,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 3_000,
        fetchMaxWaitMs: 6_000,
        handlerRetryBackoffMs: 10_000,
      }),
    (err: Error) =>
      err.name === 'ConfigError' &&
      /transport\.kafka\.heartbeatIntervalMs \(3000\) must be at most a third of sessionTimeoutMs \(6000\)/.test(err.message) &&
      /transport\.kafka\.fetchMaxWaitMs \(6000\) must be below sessionTimeoutMs/.test(err.message) &&
      /transport\.kafka\.handlerRetryBackoffMs \(10000\) must be below sessionTimeoutMs/.test(err.message),
  );
});

test('ssl and sasl: from the environment or files, exactly one password source, mechanisms checked', () => {
  const env = {
    STALLSCOPE_SSL: 'true',
    STALLSCOPE_SASL_MECHANISM: 'scram-sha-512',
    STALLSCOPE_SASL_USERNAME: 'ingest',
    STALLSCOPE_SASL_PASSWORD: 'from-env',
  };
  const fromEnv = loadConfig({ schema: kafkaTransportConfigSchema, defaults: kafkaTransportConfigDefaults, env });
  validateKafkaTransportConfig(fromEnv);
  assert.deepEqual(kafkaSecurityOptions(fromEnv), {
    ssl: true,
    sasl: { mechanism: 'scram-sha-512', username: 'ingest', password: 'from-env' },
  });
  assert.deepEqual(kafkaSecurityOptions(kafkaTransportConfigDefaults), { ssl: false });

  assert.throws(
    () => loadConfig({ schema: kafkaTransportConfigSchema, defaults: kafkaTransportConfigDefaults, env: { ...env, STALLSCOPE_SASL_MECHANISM: 'gssapi' } }),
    /sasl\.mechanism/,
  );
  const sasl = { mechanism: 'plain' as const, username: 'ingest' };
  assert.throws(() => validateKafkaTransportConfig({ ...kafkaTransportConfigDefaults, sasl }), /exactly one of password/);
  assert.throws(
    () => validateKafkaTransportConfig({ ...kafkaTransportConfigDefaults, sasl: { ...sasl, password: 'a', passwordFile: 'b' } }),
    /exactly one of password/,
  );

  const dir = mkdtempSync(join(tmpdir(), 'stallscope-kafka-tls-'));
  try {
    for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, name), `${name} contents`);
    writeFileSync(join(dir, 'password'), 'from-file\n');
    const fromFiles = loadConfig({
      schema: kafkaTransportConfigSchema,
      defaults: kafkaTransportConfigDefaults,
      env: {},
      overrides: {
        ssl: { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
        sasl: { ...sasl, passwordFile: join(dir, 'password') },
      },
    });
    validateKafkaTransportConfig(fromFiles);
    assert.deepEqual(kafkaSecurityOptions(fromFiles), {
      ssl: { ca: 'ca.pem contents', cert: 'cert.pem contents', key: 'key.pem contents' },
      sasl: { mechanism: 'plain', username: 'ingest', password: 'from-file' },
    });
    assert.throws(
      () => kafkaSecurityOptions({ ...fromFiles, ssl: { caFile: join(dir, 'missing.pem') } }),
      /cannot read transport\.kafka\.ssl\.caFile .*missing\.pem/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
