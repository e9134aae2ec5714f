// The fleet question the query benchmarks time: "top 10 blocked syscalls by
// service" as the query API asks it, on a rollup or on the raw histogram
// table (the baseline), and a p50/p95 timer.

// A rollup's window also bounds its sort key's leading expression, as the API's queries do.
const keyPrefixOf = { Hour: 'toStartOfDay', Minute: 'toStartOfHour' };
const keyBound = (time, window) =>
  keyPrefixOf[time] === undefined ? '' : `AND ${keyPrefixOf[time]}(${time}) >= ${keyPrefixOf[time]}(now() - toIntervalSecond(${window}))`;

/** The API's own query shape, against any table: top 10 (service, syscall, wait class) by blocked time, idle excluded. */
export const topSql = (table, time, window, key) => `
  SELECT ServiceName AS service, ${key.syscall} AS syscall, ${key.waitClass} AS waitClass,
    sum(${key.calls}) AS calls, sum(${key.blocked}) AS blockedNs, max(${key.max}) AS maxNs, sumMap(${key.buckets}) AS buckets
  FROM ${table}
  WHERE ${time} >= now() - toIntervalSecond(${window}) ${keyBound(time, window)} AND ${key.waitClass} != 'idle' ${key.extra ?? ''}
  GROUP BY service, syscall, waitClass ORDER BY blockedNs DESC LIMIT 10`;

/** Column names of the rollup tables. */
export const rollupKey = { syscall: 'Syscall', waitClass: 'WaitClass', calls: 'Calls', blocked: 'BlockedNs', max: 'MaxNs', buckets: 'Buckets' };

/** The same figures read from the raw exponential-histogram rows. */
export const rawKey = {
  syscall: "Attributes['stallscope.syscall.name']",
  waitClass: "Attributes['stallscope.wait_class']",
  calls: 'Count', blocked: 'Sum', max: 'Max',
  buckets: 'arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)), PositiveBucketCounts',
  extra: "AND MetricName = 'syscall.duration'",
};

export const DAY_SECONDS = 86_400;

/** p50/p95 in ms of `times` runs of `once`, after one warm-up run (first reads from disk, parsed metadata). */
export async function timed(label, once, times) {
  await once();
  const ms = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await once();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
  return { label, p50: at(0.5), p95: at(0.95) };
}
