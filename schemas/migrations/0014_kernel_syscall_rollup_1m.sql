-- Per-minute syscall rollup that replaces kernel_syscall_minutely for queries.
-- kernel_syscall_minutely's sort key starts with ServiceName and it is
-- partitioned by month, so a time window cannot use its primary key: a 1 h
-- query reads every minute of every service it keeps. Here the key starts with
-- the hour, partitions are days (whole days drop at the TTL), and rows carry the
-- rule that decided the wait class and the container id where the raw points
-- have one ('' where not). Queries read this table for short windows and
-- kernel_syscall_rollup_1h for long ones.
CREATE TABLE IF NOT EXISTS kernel_syscall_rollup_1m
(
    Minute DateTime CODEC(Delta, ZSTD(1)),
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
PARTITION BY toDate(Minute)
ORDER BY (toStartOfHour(Minute), ServiceName, Syscall, WaitClass, HostName, ContainerId, WaitClassRule, Minute)
TTL Minute + toIntervalDay(14)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Backfill: the minutes kernel_syscall_minutely already holds within this
-- table's TTL are copied once, without rule or container (it never had them).
-- Only into an empty table, so a migration interrupted after this statement and
-- run again copies nothing twice; it runs before the views below exist, and
-- the store applies migrations before ingest starts writing.
INSERT INTO kernel_syscall_rollup_1m
    (Minute, ServiceName, HostName, ContainerId, Syscall, WaitClass, WaitClassRule, Calls, BlockedNs, MaxNs, ZeroCount, Buckets)
SELECT Minute, ServiceName, HostName, '', Syscall, WaitClass, '',
    sum(Calls), sum(BlockedNs), max(MaxNs), sum(ZeroCount), sumMap(Buckets)
FROM kernel_syscall_minutely
WHERE Minute >= toStartOfDay(now() - toIntervalDay(14)) AND (SELECT count() FROM kernel_syscall_rollup_1m) = 0
GROUP BY Minute, ServiceName, HostName, Syscall, WaitClass;

CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_syscall_rollup_1m_mv TO kernel_syscall_rollup_1m AS
SELECT
    toStartOfMinute(TimeUnix) AS Minute,
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
GROUP BY Minute, ServiceName, HostName, ContainerId, Syscall, WaitClass, WaitClassRule;

-- Run-queue time beside the syscall waits, as in kernel_run_queue_minutely_mv.
CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_run_queue_rollup_1m_mv TO kernel_syscall_rollup_1m AS
SELECT
    toStartOfMinute(TimeUnix) AS Minute,
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
GROUP BY Minute, ServiceName, HostName, ContainerId;
