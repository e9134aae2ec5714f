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

/** PEM files for TLS to the brokers; an absent file leaves Node's default for it (system CAs, no client cert). */
const kafkaTlsFilesSchema = Type.Object(
  {
    caFile: Type.Optional(Type.String({ minLength: 1 })),
    certFile: Type.Optional(Type.String({ minLength: 1 })),
    keyFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

const kafkaSaslSchema = Type.Object(
  {
    mechanism: Type.Union(KAFKA_SASL_MECHANISMS.map((mechanism) => Type.Literal(mechanism))),
    username: Type.String({ minLength: 1 }),
    /** Set it through the environment (STALLSCOPE_TRANSPORT_KAFKA_SASL_PASSWORD), never in a checked-in file. */
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** Or a file holding it, e.g. a mounted secret; trailing newlines are ignored. */
    passwordFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

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
    /** A member silent this long leaves the group (within the broker's group.min/max.session.timeout.ms). */
    sessionTimeoutMs: Type.Integer({ minimum: 1000 }),
    /** Heartbeats go out this often, also while a batch handler runs; at most a third of sessionTimeoutMs. */
    heartbeatIntervalMs: Type.Integer({ minimum: 100 }),
    /** TLS to the brokers: true for Node's defaults, or PEM files. */
    ssl: Type.Union([Type.Boolean(), kafkaTlsFilesSchema]),
    /** SASL authentication; absent for none. */
    sasl: Type.Optional(kafkaSaslSchema),
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
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  ssl: false,
};
