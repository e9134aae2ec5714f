-- Fleet-level syscall rollups: the per-minute and per-hour rollups without
-- host, container and wait-class rule, for the questions asked of a whole
-- fleet (top blocked syscalls by service, syscall or wait class; series and
-- heatmaps without a host or container filter). kernel_syscall_rollup_1m/1h
-- keep a row per host, so at 1,000 hosts a day of "top by service" reads about
-- a million hour rows; here it reads one row per (hour, service, syscall, wait
-- class). Hosts keeps the set of hosts each row saw, so the number of hosts
-- behind a group stays exact across rows. Same sort keys (time bucket first),
-- partitions and TTLs as the per-host tables they sit beside.
CREATE TABLE IF NOT EXISTS kernel_syscall_fleet_1m
(
    Minute DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    Syscall LowCardinality(String),
    WaitClass LowCardinality(String),
    Calls SimpleAggregateFunction(sum, UInt64),
    BlockedNs SimpleAggregateFunction(sum, Float64),
    MaxNs SimpleAggregateFunction(max, Float64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    Buckets SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Hosts AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(Minute)
ORDER BY (toStartOfHour(Minute), ServiceName, Syscall, WaitClass, Minute)
TTL Minute + toIntervalDay(14)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS kernel_syscall_fleet_1h
(
    Hour DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    Syscall LowCardinality(String),
    WaitClass LowCardinality(String),
    Calls SimpleAggregateFunction(sum, UInt64),
    BlockedNs SimpleAggregateFunction(sum, Float64),
    MaxNs SimpleAggregateFunction(max, Float64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    Buckets SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64))),
    Hosts AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(Hour)
ORDER BY (toStartOfDay(Hour), ServiceName, Syscall, WaitClass, Hour)
TTL Hour + toIntervalDay(400)
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Backfill from the per-host rollups (already within these tables' TTLs):
-- only into empty tables and before the views below exist, as in 0014/0015.
INSERT INTO kernel_syscall_fleet_1m
    (Minute, ServiceName, Syscall, WaitClass, Calls, BlockedNs, MaxNs, ZeroCount, Buckets, Hosts)
SELECT Minute, ServiceName, Syscall, WaitClass,
    sum(Calls), sum(BlockedNs), max(MaxNs), sum(ZeroCount), sumMap(Buckets), uniqExactState(HostName)
FROM kernel_syscall_rollup_1m
WHERE (SELECT count() FROM kernel_syscall_fleet_1m) = 0
GROUP BY Minute, ServiceName, Syscall, WaitClass;

INSERT INTO kernel_syscall_fleet_1h
    (Hour, ServiceName, Syscall, WaitClass, Calls, BlockedNs, MaxNs, ZeroCount, Buckets, Hosts)
SELECT Hour, ServiceName, Syscall, WaitClass,
    sum(Calls), sum(BlockedNs), max(MaxNs), sum(ZeroCount), sumMap(Buckets), uniqExactState(HostName)
FROM kernel_syscall_rollup_1h
WHERE (SELECT count() FROM kernel_syscall_fleet_1h) = 0
GROUP BY Hour, ServiceName, Syscall, WaitClass;

-- Fed from the raw histogram table by their own views, as the per-host rollups are.
CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_syscall_fleet_1m_mv TO kernel_syscall_fleet_1m AS
SELECT
    toStartOfMinute(TimeUnix) AS Minute,
    ServiceName,
    Attributes['stallscope.syscall.name'] AS Syscall,
    Attributes['stallscope.wait_class'] AS WaitClass,
    sum(Count) AS Calls,
    sum(Sum) AS BlockedNs,
    max(Max) AS MaxNs,
    sum(ZeroCount) AS ZeroCount,
    sumMap(
        arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)),
        PositiveBucketCounts
    ) AS Buckets,
    uniqExactState(ResourceAttributes['host.name']) AS Hosts
FROM otel_metrics_exponential_histogram
WHERE MetricName = 'syscall.duration' AND Scale = 0 AND AggregationTemporality = 1
GROUP BY Minute, ServiceName, Syscall, WaitClass;

CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_syscall_fleet_1h_mv TO kernel_syscall_fleet_1h AS
SELECT
    toStartOfHour(TimeUnix) AS Hour,
    ServiceName,
    Attributes['stallscope.syscall.name'] AS Syscall,
    Attributes['stallscope.wait_class'] AS WaitClass,
    sum(Count) AS Calls,
    sum(Sum) AS BlockedNs,
    max(Max) AS MaxNs,
    sum(ZeroCount) AS ZeroCount,
    sumMap(
        arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)),
        PositiveBucketCounts
    ) AS Buckets,
    uniqExactState(ResourceAttributes['host.name']) AS Hosts
FROM otel_metrics_exponential_histogram
WHERE MetricName = 'syscall.duration' AND Scale = 0 AND AggregationTemporality = 1
GROUP BY Hour, ServiceName, Syscall, WaitClass;

-- Run-queue time beside the syscall waits, as in kernel_run_queue_rollup_1m_mv/1h_mv.
CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_run_queue_fleet_1m_mv TO kernel_syscall_fleet_1m AS
SELECT
    toStartOfMinute(TimeUnix) AS Minute,
    ServiceName,
    '[run-queue]' AS Syscall,
    'run-queue' AS WaitClass,
    sum(Count) AS Calls,
    sum(Sum) AS BlockedNs,
    max(Max) AS MaxNs,
    sum(ZeroCount) AS ZeroCount,
    sumMap(
        arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)),
        PositiveBucketCounts
    ) AS Buckets,
    uniqExactState(ResourceAttributes['host.name']) AS Hosts
FROM otel_metrics_exponential_histogram
WHERE MetricName = 'offcpu.duration' AND Attributes['stallscope.thread.state'] = 'run-queue'
    AND Scale = 0 AND AggregationTemporality = 1
GROUP BY Minute, ServiceName;

CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_run_queue_fleet_1h_mv TO kernel_syscall_fleet_1h AS
SELECT
    toStartOfHour(TimeUnix) AS Hour,
    ServiceName,
    '[run-queue]' AS Syscall,
    'run-queue' AS WaitClass,
    sum(Count) AS Calls,
    sum(Sum) AS BlockedNs,
    max(Max) AS MaxNs,
    sum(ZeroCount) AS ZeroCount,
    sumMap(
        arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)),
        PositiveBucketCounts
    ) AS Buckets,
    uniqExactState(ResourceAttributes['host.name']) AS Hosts
FROM otel_metrics_exponential_histogram
WHERE MetricName = 'offcpu.duration' AND Attributes['stallscope.thread.state'] = 'run-queue'
    AND Scale = 0 AND AggregationTemporality = 1
GROUP BY Hour, ServiceName;
