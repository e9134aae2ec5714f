export type {
  BatchHandler,
  DeliveredMessage,
  Transport,
  TransportConsumer,
  TransportMessage,
  TransportProducer,
} from './transport.js';
