// Kafka topics and encodings. Names and payloads follow the OpenTelemetry
// Collector's kafka exporter/receiver (encoding `otlp_proto`), so a Collector
// can produce into or consume from these topics. The ingest also reads
// `otlp_json` payloads (a Collector exporter configured with that encoding):
// the Collector's receiver takes one configured encoding per topic, we tell the
// two apart per message, a JSON request being the only kind to start with `{`.

export const Topics = {
  spans: 'otlp_spans',
  metrics: 'otlp_metrics',
  logs: 'otlp_logs',
  deadLetter: 'stallscope_dlq',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

/** The payload encoding stallscope writes on the data topics: one OTLP Export*ServiceRequest per message. */
export const TOPIC_ENCODING = 'otlp_proto';

/** Headers a dead-letter record carries, naming where it came from and why it failed. */
export const DeadLetterHeaders = {
  error: 'stallscope.error',
  sourceTopic: 'stallscope.source.topic',
  sourcePartition: 'stallscope.source.partition',
  sourceOffset: 'stallscope.source.offset',
} as const;

/** Default consumer group of the ingest replicas. */
export const INGEST_CONSUMER_GROUP = 'stallscope-ingest';
