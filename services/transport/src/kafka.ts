import type { KafkaTransportConfig } from './config.js';
import { createKafkaClient, type KafkaTransportDeps } from './kafka-client.js';
import { createKafkaConsumer } from './kafka-consumer.js';
import { createKafkaProducer } from './kafka-producer.js';
import type { Transport } from './transport.js';

/** The distributed transport: Kafka through kafkajs, one client shared by its producers and consumers. */
export function createKafkaTransport(config: KafkaTransportConfig, deps: KafkaTransportDeps): Transport {
  const client = createKafkaClient(config, deps);
  return {
    kind: 'kafka',
    createProducer: () => createKafkaProducer(client),
    createConsumer: (groupId) => createKafkaConsumer(client, groupId),
  };
}
