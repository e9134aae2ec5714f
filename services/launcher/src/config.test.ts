import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, loadConfig } from '@stallscope/common';
import { launcherConfigDefaults, launcherConfigSchema } from './config.js';

test('the defaults are a valid configuration that works on one machine', () => {
  assert.ok(Value.Check(launcherConfigSchema, launcherConfigDefaults), [...Value.Errors(launcherConfigSchema, launcherConfigDefaults)].map((e) => `${e.path} ${e.message}`).join('; '));
  assert.equal(launcherConfigDefaults.server.host, '127.0.0.1', 'listeners default to loopback');
  assert.equal(launcherConfigDefaults.collector.host, '127.0.0.1', 'OTLP listeners default to loopback');
  assert.deepEqual([launcherConfigDefaults.collector.grpcPort, launcherConfigDefaults.collector.httpPort], [4317, 4318]);
  assert.equal(launcherConfigDefaults.transport.kind, 'in-process');
  assert.equal(launcherConfigDefaults.store.url, '', 'embedded chDB by default');
});

test('environment variables reach every section, and bad values name their key', () => {
  const config = loadConfig({
    schema: launcherConfigSchema,
    defaults: launcherConfigDefaults,
    env: {
      STALLSCOPE_TRANSPORT_KIND: 'kafka',
      STALLSCOPE_TRANSPORT_KAFKA_BROKERS: 'k1:9092,k2:9092',
      STALLSCOPE_AGENT_SLOW_SYSCALL_THRESHOLD_MS: '2.5',
      STALLSCOPE_INGEST_BATCH_MAX_ROWS: '500',
      STALLSCOPE_COLLECTOR_GRPC_PORT: '0',
      STALLSCOPE_COLLECTOR_AUTH_TOKEN: 'otlp-secret',
      STALLSCOPE_COLLECTOR_PARTITION_TRACES_BY_ID: 'false',
      STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT: 'http://observer:4317',
      STALLSCOPE_SELF_TRACING_SAMPLE_RATIO: '0.25',
    },
    rejectUnknownEnv: { except: [] },
  });
  assert.equal(config.collector.grpcPort, 0);
  assert.equal(config.collector.authToken, 'otlp-secret');
  assert.equal(config.collector.partitionTracesById, false);
  assert.equal(config.transport.kind, 'kafka');
  assert.deepEqual(config.transport.kafka.brokers, ['k1:9092', 'k2:9092']);
  assert.equal(config.agent.slowSyscallThresholdMs, 2.5);
  assert.equal(config.ingest.batchMaxRows, 500);
  assert.deepEqual(config.selfTracing, { tracesEndpoint: 'http://observer:4317', serviceName: '', sampleRatio: 0.25 });
  assert.equal(launcherConfigDefaults.selfTracing.tracesEndpoint, '', 'self-tracing is off by default');
  assert.throws(
    () => loadConfig({ schema: launcherConfigSchema, defaults: launcherConfigDefaults, env: { STALLSCOPE_SELF_TRACING_SAMPLE_RATIO: '1.5' } }),
    (error: unknown) => error instanceof ConfigError && /selfTracing\.sampleRatio/.test(error.message),
  );
  assert.throws(
    () => loadConfig({ schema: launcherConfigSchema, defaults: launcherConfigDefaults, env: { STALLSCOPE_TRANSPORT_KIND: 'carrier-pigeon' } }),
    (error: unknown) => error instanceof ConfigError && /transport\.kind/.test(error.message),
  );
});
