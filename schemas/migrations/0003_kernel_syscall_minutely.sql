-- Per-minute syscall rollup that fleet queries read instead of raw points.
-- Buckets are scale-0 exponential-histogram buckets: key i counts durations in
-- (2^i, 2^(i+1)] ns. Only delta points of syscall.duration at scale 0 are
-- rolled up; the agent exports exactly those.
CREATE TABLE IF NOT EXISTS kernel_syscall_minutely
(
    Minute DateTime CODEC(Delta, ZSTD(1)),
    ServiceName LowCardinality(String),
    HostName LowCardinality(String),
    Syscall LowCardinality(String),
    WaitClass LowCardinality(String),
    Calls SimpleAggregateFunction(sum, UInt64),
    BlockedNs SimpleAggregateFunction(sum, Float64),
    MaxNs SimpleAggregateFunction(max, Float64),
    ZeroCount SimpleAggregateFunction(sum, UInt64),
    Buckets SimpleAggregateFunction(sumMap, Tuple(Array(Int32), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (ServiceName, Syscall, WaitClass, HostName, Minute)
TTL Minute + toIntervalDay(400);

CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_syscall_minutely_mv TO kernel_syscall_minutely AS
SELECT
    toStartOfMinute(TimeUnix) AS Minute,
    ServiceName,
    ResourceAttributes['host.name'] AS HostName,
    Attributes['stallscope.syscall.name'] AS Syscall,
    Attributes['stallscope.wait_class'] AS WaitClass,
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
GROUP BY Minute, ServiceName, HostName, Syscall, WaitClass;
