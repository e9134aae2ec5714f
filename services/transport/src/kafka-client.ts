import { Kafka, logLevel, type logCreator } from 'kafkajs';
import type { Logger, Registry } from '@stallscope/common';
import type { KafkaTransportConfig } from './config.js';
import { kafkaSecurityOptions, validateKafkaTransportConfig } from './kafka-config.js';
import { transportMetrics, type TransportMetrics } from './metrics.js';

export interface KafkaTransportDeps {
  logger: Logger;
  metrics: Registry;
}

/** What the producers and consumers of one Kafka transport share. */
export interface KafkaClient {
  kafka: Kafka;
  config: KafkaTransportConfig;
  logger: Logger;
  metrics: TransportMetrics;
  /** Creates the topics that do not exist yet, with the configured partitions; once per topic. */
  ensureTopics(topics: readonly string[]): Promise<void>;
}

/**
 * kafkajs logs through our logger at warn and above. Its Connection logs every
 * error response at error level, retriable ones too (a coordinator still
 * loading after broker start); those are warnings: what fails for good
 * reaches us as a rejected call or a consumer crash, which we log as errors.
 */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const entry = { namespace, ...fields };
      if (level === logLevel.ERROR && namespace !== 'Connection') logger.error(entry, message);
      else if (level <= logLevel.WARN) logger.warn(entry, message);
      else logger.debug(entry, message);
    };
}

export function createKafkaClient(config: KafkaTransportConfig, deps: KafkaTransportDeps): KafkaClient {
  validateKafkaTransportConfig(config);
  const logger = deps.logger.child({ component: 'transport', transport: 'kafka' });
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ...kafkaSecurityOptions(config),
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
  });
  const ensured = new Map<string, Promise<void>>();

  async function createTopics(topics: string[]): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({
          topic,
          numPartitions: config.topicPartitions,
          replicationFactor: config.topicReplicationFactor,
        })),
      });
      if (created) logger.info({ topics, partitions: config.topicPartitions }, 'created topics');
    } finally {
      await admin.disconnect();
    }
  }

  function ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = topics.filter((topic) => !ensured.has(topic));
    if (missing.length > 0) {
      const creation = createTopics(missing);
      for (const topic of missing) ensured.set(topic, creation);
      // A failed creation is tried again by the next caller.
      creation.catch(() => {
        for (const topic of missing) if (ensured.get(topic) === creation) ensured.delete(topic);
      });
    }
    return Promise.all(topics.map((topic) => ensured.get(topic))).then(() => undefined);
  }

  return { kafka, config, logger, metrics: transportMetrics(deps.metrics), ensureTopics };
}
