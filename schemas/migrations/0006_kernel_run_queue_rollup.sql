-- Run-queue time in the same per-minute rollup as the syscall waits, so fleet
-- queries rank "waiting for a CPU" beside lock, disk and network. It comes from
-- the scheduler (offcpu.duration, state run-queue), not from a syscall: its rows
-- carry the pseudo-syscall '[run-queue]' and the wait class 'run-queue'.
-- Sleeping states stay out: that time is already inside the syscalls slept in.
CREATE MATERIALIZED VIEW IF NOT EXISTS kernel_run_queue_minutely_mv TO kernel_syscall_minutely AS
SELECT
    toStartOfMinute(TimeUnix) AS Minute,
    ServiceName,
    ResourceAttributes['host.name'] AS HostName,
    '[run-queue]' AS Syscall,
    'run-queue' AS WaitClass,
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
GROUP BY Minute, ServiceName, HostName;
