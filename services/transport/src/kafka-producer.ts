import { CompressionTypes, Partitioners } from 'kafkajs';
import { withLifecycle } from '@stallscope/common';
import type { KafkaClient } from './kafka-client.js';
import type { TransportProducer } from './transport.js';

const TRANSPORT = 'kafka';

/**
 * An idempotent producer (no duplicates from its own retries); send resolves
 * once all in-sync replicas have the messages. No compression: lz4 and snappy
 * need codecs kafkajs does not bundle.
 */
export function createKafkaProducer(client: KafkaClient): TransportProducer {
  const { config, metrics } = client;
  const producer = client.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let running = false;

  const lifecycle = withLifecycle({
    async start() {
      await producer.connect();
      await client.ensureTopics(config.topics);
      running = true;
    },
    async stop() {
      running = false;
      await producer.disconnect();
    },
  });

  return {
    ...lifecycle,
    async send(topic, messages) {
      if (!running) {
        metrics.sendRejected.inc({ transport: TRANSPORT, topic, reason: 'not_running' }, messages.length);
        throw new Error(`kafka producer is not running; cannot send to ${topic}`);
      }
      if (messages.length === 0) return;
      try {
        await client.ensureTopics([topic]);
        await producer.send({
          topic,
          acks: -1,
          compression: CompressionTypes.None,
          messages: messages.map(({ key, value, headers }) => ({ key: key ?? null, value, headers })),
        });
      } catch (err) {
        metrics.sendRejected.inc({ transport: TRANSPORT, topic, reason: 'error' }, messages.length);
        throw err;
      }
      metrics.sent.inc({ transport: TRANSPORT, topic }, messages.length);
    },
  };
}
