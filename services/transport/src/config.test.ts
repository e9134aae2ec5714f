import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@stallscope/common';
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
