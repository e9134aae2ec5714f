import { Type, type Static } from '@sinclair/typebox';

export const collectorConfigSchema = Type.Object(
  {
    /** Address both OTLP listeners bind; loopback unless applications on other hosts must reach it. */
    host: Type.String({ minLength: 1 }),
    /** OTLP/gRPC port (OTLP's default 4317); 0 picks a free one. */
    grpcPort: Type.Integer({ minimum: 0, maximum: 65_535 }),
    /** OTLP/HTTP port (OTLP's default 4318); 0 picks a free one. */
    httpPort: Type.Integer({ minimum: 0, maximum: 65_535 }),
    /** When set, requests must carry `Authorization: Bearer <token>`; empty accepts any request. */
    authToken: Type.String(),
    /** Largest request accepted, in bytes after decompression (HTTP 413, gRPC RESOURCE_EXHAUSTED beyond). */
    maxRequestBytes: Type.Integer({ minimum: 1024 }),
    /**
     * Request bytes held until the transport has accepted them; past it requests
     * are refused as retryable, so memory stays bounded while Kafka is away.
     */
    maxInFlightBytes: Type.Integer({ minimum: 1024 }),
    /** Largest transport message; bigger requests are split (Kafka's default max.message.bytes is 1 MiB). */
    maxMessageBytes: Type.Integer({ minimum: 1024 }),
    /** One message per trace keyed by its hex trace id, as the Collector's kafka exporter partition_traces_by_id. */
    partitionTracesById: Type.Boolean(),
    /** A send the transport has not accepted by then is answered as retryable (its bytes stay held until it settles). */
    sendTimeoutMs: Type.Integer({ minimum: 1 }),
    /** Retry-After of an HTTP 503 when the collector refuses for lack of room. */
    retryAfterSeconds: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type CollectorConfig = Static<typeof collectorConfigSchema>;

export const collectorConfigDefaults: CollectorConfig = {
  host: '127.0.0.1',
  grpcPort: 4317,
  httpPort: 4318,
  authToken: '',
  maxRequestBytes: 4 * 1024 * 1024,
  maxInFlightBytes: 64 * 1024 * 1024,
  maxMessageBytes: 900 * 1024,
  partitionTracesById: true,
  sendTimeoutMs: 10_000,
  retryAfterSeconds: 5,
};
