import { CompressionTypes, Partitioners, type Message } from 'kafkajs';
import { settleAll, withLifecycle } from '@stallscope/common';
import type { KafkaClient } from './kafka-client.js';
import { createPartitionChooser } from './partitioning.js';
import { CoalescingQueue } from './coalescing-queue.js';
import { RenewableProducer } from './renewable-producer.js';
import type { TransportMessage, TransportProducer } from './transport.js';

const TRANSPORT = 'kafka';

/**
 * Sends queued behind a request to a partition go together in the next one up
 * to this many bytes: below Kafka's default max.message.bytes (1 MiB), which
 * bounds the record batch a request carries per partition.
 */
const MAX_COALESCED_BYTES = 900 * 1024;

interface PartitionMessage {
  topic: string;
  message: Message;
}

/**
 * An idempotent producer; send resolves once all in-sync replicas have the
 * messages. No compression: lz4 and snappy need codecs kafkajs does not bundle.
 *
 * kafkajs's idempotence holds only for one request per partition that is
 * retried alone. Its retry of a send spanning several partitions re-partitions
 * the unkeyed messages (round robin moves on) and, after a leader change,
 * sends a partition that was already acknowledged again under a new sequence
 * number, or skips one that was not: duplicates and losses the brokers cannot
 * see. And a send that starts while another to the same partition is being
 * retried takes its sequence numbers (tulios/kafkajs#1005). So each message's
 * partition is chosen here, once; each partition goes as a request of its own;
 * and the requests to one partition run one after the other, the sends that
 * queued up meanwhile together in the next. A failed request renews the
 * producer (renewable-producer.ts): its sequence numbers are not reused.
 */
export function createKafkaProducer(client: KafkaClient): TransportProducer {
  const { config, metrics, logger } = client;
  const producers = new RenewableProducer(
    () =>
      client.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Honours the partition each message carries.
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    (err) => {
      metrics.producerRenewals.inc({ transport: TRANSPORT });
      logger.warn({ err }, 'kafka send failed; the next send goes through a new producer (a new producer id)');
    },
  );
  const choosePartitions = createPartitionChooser();
  const onePartitionAtATime = new CoalescingQueue<PartitionMessage>(
    (_key, items) =>
      producers.run((producer) =>
        producer
          .send({ topic: items[0]!.topic, acks: -1, compression: CompressionTypes.None, messages: items.map(({ message }) => message) })
          .then(() => undefined),
      ),
    ({ message }) => (message.value as Buffer).length + ((message.key as Buffer | null)?.length ?? 0),
    MAX_COALESCED_BYTES,
  );
  let running = false;

  async function sendToPartition(topic: string, partition: number, messages: readonly TransportMessage[]): Promise<void> {
    try {
      await onePartitionAtATime.run(
        `${topic}/${partition}`,
        messages.map(({ key, value, headers }) => ({ topic, message: { key: key ?? null, value, headers, partition } })),
      );
    } catch (err) {
      metrics.sendRejected.inc({ transport: TRANSPORT, topic, reason: 'error' }, messages.length);
      throw err;
    }
    metrics.sent.inc({ transport: TRANSPORT, topic }, messages.length);
  }

  const lifecycle = withLifecycle({
    async start() {
      await producers.connect();
      await client.ensureTopics(config.topics);
      running = true;
    },
    async stop() {
      running = false;
      await producers.disconnectAll();
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
      let partitions: number;
      try {
        await client.ensureTopics([topic]);
        partitions = await client.partitionCount(topic);
      } catch (err) {
        metrics.sendRejected.inc({ transport: TRANSPORT, topic, reason: 'error' }, messages.length);
        throw err;
      }
      const groups = [...choosePartitions(topic, partitions, messages)];
      // Every partition's send settles before the call does: none is left running behind a rejection.
      await settleAll(groups.map(([partition, group]) => sendToPartition(topic, partition, group)));
    },
  };
}
