-- The trace-id lookup of the OpenTelemetry Collector's ClickHouse exporter:
-- first and last span start (to the second) of every trace, so a query for one
-- trace reads only otel_traces partitions inside [Start, End]. Same columns and
-- view as the exporter's; AggregatingMergeTree (the exporter uses its configured
-- engine) folds the rows that several inserts write for one trace, which the
-- SimpleAggregateFunction columns are declared for.
CREATE TABLE IF NOT EXISTS otel_traces_trace_id_ts
(
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)
TTL Start + toIntervalDay(30)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS otel_traces_trace_id_ts_mv TO otel_traces_trace_id_ts AS
SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM otel_traces
WHERE TraceId != ''
GROUP BY TraceId;
