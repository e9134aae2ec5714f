import { Type, type Static } from '@sinclair/typebox';
import { Topics } from '@stallscope/schemas';

export const inProcessTransportConfigSchema = Type.Object(
  {
    /** Per topic: messages held until every consumer group has handled them; send rejects beyond. */
    maxQueuedMessages: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type InProcessTransportConfig = Static<typeof inProcessTransportConfigSchema>;

export const inProcessTransportConfigDefaults: InProcessTransportConfig = {
  maxQueuedMessages: 10_000,
};

export const kafkaTransportConfigSchema = Type.Object(
  {
    brokers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    clientId: Type.String({ minLength: 1 }),
    /** Created (if missing) when a producer starts; consumers create the topics they subscribe to. */
    topics: Type.Array(Type.String({ minLength: 1 })),
    /** Partitions and replication factor of the topics this transport creates. */
    topicPartitions: Type.Integer({ minimum: 1 }),
    topicReplicationFactor: Type.Integer({ minimum: 1 }),
    /** How many partitions' handlers may run at once in one consumer. */
    partitionsConsumedConcurrently: Type.Integer({ minimum: 1 }),
    /** Upper bound of the bytes fetched per partition, hence of one handler batch. */
    maxBatchBytes: Type.Integer({ minimum: 1024 }),
    /** How long the broker holds a fetch open when there is no data; also bounds how long stop waits for it. */
    fetchMaxWaitMs: Type.Integer({ minimum: 10 }),
    /** Pause before a batch whose handler failed is delivered again. */
    handlerRetryBackoffMs: Type.Integer({ minimum: 0 }),
    /** start() of a consumer fails if the group is not joined within this time. */
    groupJoinTimeoutMs: Type.Integer({ minimum: 1000 }),
  },
  { additionalProperties: false },
);
export type KafkaTransportConfig = Static<typeof kafkaTransportConfigSchema>;

export const kafkaTransportConfigDefaults: KafkaTransportConfig = {
  brokers: ['127.0.0.1:9092'],
  clientId: 'stallscope',
  topics: Object.values(Topics),
  topicPartitions: 3,
  topicReplicationFactor: 1,
  partitionsConsumedConcurrently: 3,
  maxBatchBytes: 1_048_576,
  fetchMaxWaitMs: 500,
  handlerRetryBackoffMs: 1000,
  groupJoinTimeoutMs: 30_000,
};
