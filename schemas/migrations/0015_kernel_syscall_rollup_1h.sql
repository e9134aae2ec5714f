-- Per-hour syscall rollup for long windows (days to weeks): 60x fewer rows
-- than the per-minute one for the same span, kept longer. Fed by its own views
-- from the raw histogram table (not from the per-minute rollup: a view on a
-- view's target sees only inserts, and both would then depend on one another's
-- lifecycle), with the same wait class, rule and container as the minute rows.
-- Weekly partitions, sort key led by the day.
CREATE TABLE IF NOT EXISTS kernel_syscall_rollup_1h
(
    Hour DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    HostName LowCardinality(String),
    ContainerId String CODEC(ZSTD(1)),
    Syscall LowCardinality(String),
    WaitClass LowCardinality(String),
    WaitClassRule LowCardinality(String),
    Calls SimpleAggregateFunction(sum, UInt64),
    BlockedNs SimpleAggregateFunction(sum, Float64),
    MaxNs SimpleAggregateFunction(max, Float64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    Buckets SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(Hour)
ORDER BY (toStartOfDay(Hour), ServiceName, Syscall, WaitClass, HostName, ContainerId, WaitClassRule, Hour)
TTL Hour + toIntervalDay(400)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Backfill: everything kernel_syscall_minutely holds (400 days), folded into
-- hours, without rule or container; only into an empty table and before the
-- views exist, as for kernel_syscall_rollup_1m.
INSERT INTO kernel_syscall_rollup_1h
    (Hour, ServiceName, HostName, ContainerId, Syscall, WaitClass, WaitClassRule, Calls, BlockedNs, MaxNs, ZeroCount, Buckets)
SELECT toStartOfHour(Minute) AS Hour, ServiceName, HostName, '', Syscall, WaitClass, '',
    sum(Calls), sum(BlockedNs), max(MaxNs), sum(ZeroCount), sumMap(Buckets)
FROM kernel_syscall_minutely
WHERE (SELECT count() FROM kernel_syscall_rollup_1h) = 0
GROUP BY Hour, ServiceName, HostName, Syscall, WaitClass;

CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_syscall_rollup_1h_mv TO kernel_syscall_rollup_1h AS
SELECT
    toStartOfHour(TimeUnix) AS Hour,
    ServiceName,
    ResourceAttributes['host.name'] AS HostName,
    ResourceAttributes['container.id'] AS ContainerId,
    Attributes['stallscope.syscall.name'] AS Syscall,
    Attributes['stallscope.wait_class'] AS WaitClass,
    Attributes['stallscope.wait_class.rule'] AS WaitClassRule,
    sum(Count) AS Calls,
    sum(Sum) AS BlockedNs,
    max(Max) AS MaxNs,
    sum(ZeroCount) AS ZeroCount,
    sumMap(
        arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)),
        PositiveBucketCounts
    ) AS Buckets
FROM otel_metrics_exponential_histogram
WHERE MetricName = 'syscall.duration' AND Scale = 0 AND AggregationTemporality = 1
GROUP BY Hour, ServiceName, HostName, ContainerId, Syscall, WaitClass, WaitClassRule;

-- Run-queue time beside the syscall waits, as in kernel_run_queue_minutely_mv.
CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_run_queue_rollup_1h_mv TO kernel_syscall_rollup_1h AS
SELECT
    toStartOfHour(TimeUnix) AS Hour,
    ServiceName,
    ResourceAttributes['host.name'] AS HostName,
    ResourceAttributes['container.id'] AS ContainerId,
    '[run-queue]' AS Syscall,
    'run-queue' AS WaitClass,
    '' AS WaitClassRule,
    sum(Count) AS Calls,
    sum(Sum) AS BlockedNs,
    max(Max) AS MaxNs,
    sum(ZeroCount) AS ZeroCount,
    sumMap(
        arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)),
        PositiveBucketCounts
    ) AS Buckets
FROM otel_metrics_exponential_histogram
WHERE MetricName = 'offcpu.duration' AND Attributes['stallscope.thread.state'] = 'run-queue'
    AND Scale = 0 AND AggregationTemporality = 1
GROUP BY Hour, ServiceName, HostName, ContainerId;
