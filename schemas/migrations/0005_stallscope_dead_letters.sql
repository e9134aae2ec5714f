-- Messages the ingest could not ingest because they are bad input (not a valid
-- OTLP request), kept to be inspected (GET /v1/dead-letters) and replayed. The
-- ingest writes them in every mode; with Kafka they also go to stallscope_dlq.
-- The payload is the original message value, base64-encoded.
CREATE TABLE IF NOT EXISTS stallscope_dead_letters
(
    Timestamp DateTime64(3) CODEC(Delta, ZSTD(1)),
    SourceTopic LowCardinality(String),
    SourcePartition Int32,
    SourceOffset UInt64,
    Error String CODEC(ZSTD(1)),
    Headers Map(String, String) CODEC(ZSTD(1)),
    PayloadBase64 String CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (Timestamp, SourceTopic, SourcePartition, SourceOffset)
TTL toDateTime(Timestamp) + toIntervalDay(14)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;
