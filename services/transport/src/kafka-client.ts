import { Kafka, logLevel, type ISocketFactory, type logCreator } from 'kafkajs';
import type { Logger, Registry } from '@stallscope/common';
import type { KafkaTransportConfig } from './config.js';
import { kafkaSecurityOptions, validateKafkaTransportConfig } from './kafka-config.js';
import { transportMetrics, type TransportMetrics } from './metrics.js';

export interface KafkaTransportDeps {
  logger: Logger;
  metrics: Registry;
  /**
   * Wraps the kafkajs client made from the config before anything uses it:
   * the fault tests inject one error into a real client this way.
   */
  wrapKafka?: (kafka: Kafka) => Kafka;
  /** Opens the client's connections to the brokers: the fault tests lose a broker's answers this way. */
  socketFactory?: ISocketFactory;
}

/** What the producers and consumers of one Kafka transport share. */
export interface KafkaClient {
  kafka: Kafka;
  config: KafkaTransportConfig;
  logger: Logger;
  metrics: TransportMetrics;
  /** Creates the topics that do not exist yet, with the configured partitions; once per topic. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** How many partitions a topic has, as the brokers said within the last PARTITION_COUNT_MAX_AGE_MS. */
  partitionCount(topic: string): Promise<number>;
}

/** As long as Kafka's own clients trust their metadata (metadata.max.age.ms): partitions may be added. */
const PARTITION_COUNT_MAX_AGE_MS = 5 * 60_000;

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
  const made = new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ...kafkaSecurityOptions(config),
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
    ...(deps.socketFactory ? { socketFactory: deps.socketFactory } : {}),
  });
  const kafka = deps.wrapKafka ? deps.wrapKafka(made) : made;
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

  const partitionCounts = new Map<string, { count: Promise<number>; at: number }>();

  async function fetchPartitionCount(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = topics.find((found) => found.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new Error(`kafka topic ${topic} has no partitions`);
      return count;
    } finally {
      await admin.disconnect();
    }
  }

  function partitionCount(topic: string): Promise<number> {
    const known = partitionCounts.get(topic);
    if (known && Date.now() - known.at < PARTITION_COUNT_MAX_AGE_MS) return known.count;
    const fetched = fetchPartitionCount(topic);
    // Brokers unreachable for the refresh: the count known before still holds (partitions are never removed).
    const entry = { count: known ? fetched.catch(() => known.count) : fetched, at: Date.now() };
    partitionCounts.set(topic, entry);
    // A failed look-up is tried again by the next caller.
    entry.count.catch(() => {
      if (partitionCounts.get(topic) === entry) partitionCounts.delete(topic);
    });
    return entry.count;
  }

  return { kafka, config, logger, metrics: transportMetrics(deps.metrics), ensureTopics, partitionCount };
}
