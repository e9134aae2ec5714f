// Fleet queries from the rollups against the same query on the raw histogram
// table, in one run: a synthetic fleet (hosts x services x syscalls, skewed:
// a few services on many hosts, a few syscalls in every process and the rest
// in fewer) exported once a minute for N hours into the raw table through the
// real migrations, so the rollup views fill kernel_syscall_rollup_1m/1h as the
// ingest would. Then p50/p95 of "top 10 blocked syscalls by service over 24h"
// through the query API (inject, the hourly rollup), from the per-minute
// rollup and from the raw table, with the rows each reads (EXPLAIN ESTIMATE:
// rows in the granules the primary key and partitions leave to read).
// usage: node bench/query.mjs [hosts] [hours] [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createLogger, createProgress } from '@stallscope/common';
import { queryApiPlugin } from '@stallscope/query-api';
import { createStore, storeConfigDefaults } from '@stallscope/store';

const hosts = Number(process.argv[2] ?? 250);
const hours = Number(process.argv[3] ?? 24);
const rounds = Number(process.argv[4] ?? 10);
const SERVICES = 20;
const SERVICES_PER_HOST = 2;
const SYSCALLS = [
  ['futex', 'lock'], ['epoll_wait', 'idle'], ['read', 'network'], ['write', 'network'], ['recvfrom', 'network'],
  ['sendto', 'network'], ['fsync', 'disk'], ['nanosleep', 'idle'], ['poll', 'idle'], ['openat', 'disk'],
  ['pread64', 'disk'], ['pwrite64', 'disk'], ['connect', 'network'], ['accept4', 'network'], ['flock', 'lock'],
  ['fdatasync', 'disk'], ['close', 'other'], ['mmap', 'other'], ['munmap', 'other'], ['madvise', 'other'],
  ['clone3', 'other'], ['wait4', 'other'], ['select', 'idle'], ['msync', 'disk'], ['sync_file_range', 'disk'],
  ['recvmsg', 'network'], ['sendmsg', 'network'], ['getdents64', 'disk'], ['statx', 'disk'], ['io_uring_enter', 'disk'],
];
const dir = mkdtempSync(join(tmpdir(), 'stallscope-bench-query-'));
const logger = createLogger('silent');
const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger });
await store.start();
const client = store.client;
const run = async (query) => (await client.query({ query, format: 'JSONEachRow' })).json();

// One hour of points: every (minute, host, service slot, syscall) a process
// uses. Service of slot 0 skewed to low numbers (svc-00 on many hosts), slot 1
// spread; syscalls 0-7 in every process, syscall j >= 8 in about 1/(j-6) of them.
const pairsPerMinute = hosts * SERVICES_PER_HOST * SYSCALLS.length;
const startMinute = Math.floor(Date.now() / 60_000) - hours * 60;
const names = `[${SYSCALLS.map(([name]) => `'${name}'`).join(',')}]`;
const classes = `[${SYSCALLS.map(([, waitClass]) => `'${waitClass}'`).join(',')}]`;
function hourInsert(hour) {
  return `
    INSERT INTO otel_metrics_exponential_histogram
      (ResourceAttributes, ServiceName, MetricName, MetricUnit, Attributes, StartTimeUnix, TimeUnix, Count, Sum, Scale,
       ZeroCount, PositiveOffset, PositiveBucketCounts, Max, AggregationTemporality)
    SELECT
      map('host.name', concat('host-', toString(host)), 'container.id', concat('ctr-', toString(host), '-', toString(slot))) AS ResourceAttributes,
      concat('svc-', leftPad(toString(service), 2, '0')) AS ServiceName,
      'syscall.duration', 'ns',
      map('stallscope.syscall.name', ${names}[sys + 1], 'stallscope.wait_class', ${classes}[sys + 1],
          'stallscope.wait_class.rule', concat('syscall:', ${names}[sys + 1])) AS Attributes,
      toDateTime64(timeSeconds - 60, 9), toDateTime64(timeSeconds, 9),
      arraySum(counts), arraySum(arrayMap((count, i) -> count * 1.5 * pow(2, offset + i - 1), counts, arrayEnumerate(counts))),
      0, 0, offset, counts, pow(2, offset + 4), 1
    FROM (
      SELECT
        intDiv(number, ${pairsPerMinute}) AS minute,
        intDiv(number % ${pairsPerMinute}, ${SYSCALLS.length}) AS pair,
        number % ${SYSCALLS.length} AS sys,
        intDiv(pair, ${SERVICES_PER_HOST}) AS host,
        pair % ${SERVICES_PER_HOST} AS slot,
        if(slot = 0, toUInt32(pow((cityHash64(host) % 1000) / 1000, 3) * ${SERVICES}), (host * 7 + 3) % ${SERVICES}) AS service,
        (${startMinute} + ${hour * 60} + minute) * 60 + cityHash64(pair) % 60 AS timeSeconds,
        toInt32(10 + (sys * 5) % 16 + cityHash64(service, sys) % 3) AS offset,
        arrayMap(i -> toUInt64((cityHash64(number, i) % 50) * (${SERVICES} - service) / (i * i)), range(1, 5)) AS counts
      FROM numbers(${pairsPerMinute * 60})
      WHERE sys < 8 OR cityHash64(pair, sys) % 100 < intDiv(100, sys - 6)
    )`;
}

const generationStart = performance.now();
const generation = createProgress('query: generating hours', { total: hours });
for (let hour = 0; hour < hours; hour++) {
  await client.command({ query: hourInsert(hour) });
  const [{ rows }] = await run('SELECT count() AS rows FROM otel_metrics_exponential_histogram');
  generation.update(hour + 1, `${rows} raw rows`);
}
generation.finish();
console.log(`generated ${hours} h in ${((performance.now() - generationStart) / 1000).toFixed(0)} s`);
await client.command({ query: 'OPTIMIZE TABLE kernel_syscall_rollup_1h FINAL' });
const counts = await run(`SELECT
  (SELECT count() FROM otel_metrics_exponential_histogram) AS raw,
  (SELECT count() FROM kernel_syscall_rollup_1m) AS minuteRows,
  (SELECT count() FROM kernel_syscall_rollup_1h) AS hourRows`);
console.log('rows:', JSON.stringify(counts[0]));

// The API's own query shape, against each table: top 10 (service, syscall, wait class) by blocked time, idle excluded.
const topSql = (table, time, window, key) => `
  SELECT ServiceName AS service, ${key.syscall} AS syscall, ${key.waitClass} AS waitClass,
    sum(${key.calls}) AS calls, sum(${key.blocked}) AS blockedNs, max(${key.max}) AS maxNs, sumMap(${key.buckets}) AS buckets
  FROM ${table}
  WHERE ${time} >= now() - toIntervalSecond(${window}) AND ${key.waitClass} != 'idle' ${key.extra ?? ''}
  GROUP BY service, syscall, waitClass ORDER BY blockedNs DESC LIMIT 10`;
const rollupKey = { syscall: 'Syscall', waitClass: 'WaitClass', calls: 'Calls', blocked: 'BlockedNs', max: 'MaxNs', buckets: 'Buckets' };
const rawKey = {
  syscall: "Attributes['stallscope.syscall.name']",
  waitClass: "Attributes['stallscope.wait_class']",
  calls: 'Count', blocked: 'Sum', max: 'Max',
  buckets: 'arrayMap(i -> toInt32(PositiveOffset + i - 1), arrayEnumerate(PositiveBucketCounts)), PositiveBucketCounts',
  extra: "AND MetricName = 'syscall.duration'",
};
const DAY = 86_400;

async function timed(label, once, times) {
  await once(); // warm: first reads from disk, parsed metadata
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
const estimatedRows = async (sql) => (await run(`EXPLAIN ESTIMATE ${sql}`)).reduce((sum, row) => sum + Number(row.rows), 0);

const app = Fastify();
await app.register(queryApiPlugin, { store, logger });
await app.ready();
const viaApi = (window) => async () => {
  const response = await app.inject({ method: 'GET', url: `/v1/syscalls/top?window=${window}&by=service&limit=10` });
  if (response.statusCode !== 200) throw new Error(response.body);
};
const direct = (sql) => () => run(sql);
const hourSql = topSql('kernel_syscall_rollup_1h', 'Hour', DAY, rollupKey);
const minuteSql = topSql('kernel_syscall_rollup_1m', 'Minute', DAY, rollupKey);
const rawSql = topSql('otel_metrics_exponential_histogram', 'TimeUnix', DAY, rawKey);
const rawRounds = Math.max(3, Math.round(rounds / 4));
const results = [
  { ...(await timed('API top by service, 24h (hourly rollup)', viaApi('24h'), rounds)), rows: await estimatedRows(hourSql) },
  { ...(await timed('API top by service, 7d (hourly rollup)', viaApi('7d'), rounds)), rows: await estimatedRows(hourSql) },
  { ...(await timed('same SQL, hourly rollup, 24h', direct(hourSql), rounds)), rows: await estimatedRows(hourSql) },
  { ...(await timed('same SQL, per-minute rollup, 24h', direct(minuteSql), rawRounds)), rows: await estimatedRows(minuteSql) },
  { ...(await timed('same SQL, raw histogram table, 24h (baseline)', direct(rawSql), rawRounds)), rows: await estimatedRows(rawSql) },
];
const baseline = results.at(-1);
console.log(`\n${hosts} hosts x ${SERVICES} services (${SERVICES_PER_HOST} per host) x ${SYSCALLS.length} syscalls, ${hours} h, one point a minute`);
console.log('| query | p50 ms | p95 ms | rows read (estimate) | p95 vs raw |');
console.log('|---|---|---|---|---|');
for (const result of results) {
  console.log(`| ${result.label} | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} | ${result.rows} | ${(baseline.p95 / result.p95).toFixed(1)}x |`);
}
await app.close();
await store.stop();
rmSync(dir, { recursive: true, force: true });
