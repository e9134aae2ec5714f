export type {
  BatchHandler,
  DeliveredMessage,
  Transport,
  TransportConsumer,
  TransportMessage,
  TransportProducer,
} from './transport.js';
export {
  KAFKA_SASL_MECHANISMS,
  inProcessTransportConfigDefaults,
  inProcessTransportConfigSchema,
  kafkaTransportConfigDefaults,
  kafkaTransportConfigSchema,
} from './config.js';
export type { InProcessTransportConfig, KafkaTransportConfig } from './config.js';
export { createInProcessTransport } from './in-process.js';
export type { InProcessTransportDeps } from './in-process.js';
export { createKafkaTransport } from './kafka.js';
export { kafkaSecurityOptions, validateKafkaTransportConfig } from './kafka-config.js';
export type { KafkaTransportDeps } from './kafka-client.js';
