// Fleet queries from the rollups against the same query on the raw histogram
// table, in one run: a synthetic fleet (hosts x services x syscalls, skewed:
// a few services on many hosts, a few syscalls in every process and the rest
// in fewer) exported every pointSeconds (60: once a minute, as the agent does;
// 3600: one point an hour holding the hour's counts, which fills the hourly
// rollups with the same rows in a sixtieth of the inserts) for N hours into
// the raw table through the
// real migrations, so the rollup views fill the per-host rollups
// (kernel_syscall_rollup_1m/1h) and the fleet-level ones (kernel_syscall_fleet_1m/1h)
// as the ingest would. Then p50/p95 of "top 10 blocked syscalls by service"
// through the query API (inject: 24h and 7d read the fleet hourly rollup, 6h
// the fleet per-minute one), and the same SQL on each rollup and on the raw
// table, with the rows each reads (EXPLAIN ESTIMATE: rows in the granules the
// primary key and partitions leave to read).
// usage: node bench/query.mjs [hosts] [hours] [rounds] [pointSeconds]
// STALLSCOPE_BENCH_QUERY_DIR=DIR keeps the generated store in DIR; a later run
// with the same DIR measures it again without generating (hosts, hours and
// pointSeconds then come from DIR), e.g. once the machine is quiet.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createLogger, createProgress } from '@stallscope/common';
import { queryApiPlugin } from '@stallscope/query-api';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { DAY_SECONDS as DAY, rawKey, rollupKey, timed, topSql } from './lib/top-query.mjs';

const keptDir = process.env.STALLSCOPE_BENCH_QUERY_DIR;
const generatedFile = keptDir === undefined ? undefined : join(keptDir, 'generated.json');
const generated = generatedFile !== undefined && existsSync(generatedFile) ? JSON.parse(readFileSync(generatedFile, 'utf8')) : undefined;
const hosts = generated?.hosts ?? Number(process.argv[2] ?? 250);
const hours = generated?.hours ?? Number(process.argv[3] ?? 24);
const rounds = Number(process.argv[4] ?? 10);
const pointSeconds = generated?.pointSeconds ?? Number(process.argv[5] ?? 60);
if (!(pointSeconds >= 60 && 3_600 % pointSeconds === 0)) throw new Error(`pointSeconds must divide an hour and be at least 60, got ${process.argv[5]}`);
const pointsPerHour = 3_600 / pointSeconds;
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
const dir = keptDir ?? mkdtempSync(join(tmpdir(), 'stallscope-bench-query-'));
mkdirSync(dir, { recursive: true });
const logger = createLogger('silent');
const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger });
await store.start();
const client = store.client;
const run = async (query) => (await client.query({ query, format: 'JSONEachRow' })).json();

// One hour of points: every (point, host, service slot, syscall) a process
// uses. Service of slot 0 skewed to low numbers (svc-00 on many hosts), slot 1
// spread; syscalls 0-7 in every process, syscall j >= 8 in about 1/(j-6) of
// them. A point of pointSeconds counts pointSeconds / 60 minutes' calls.
const seriesCandidates = hosts * SERVICES_PER_HOST * SYSCALLS.length;
const startSecond = generated?.startSecond ?? (Math.floor(Date.now() / 3_600_000) - hours) * 3_600;
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
      toDateTime64(timeSeconds - ${pointSeconds}, 9), toDateTime64(timeSeconds, 9),
      arraySum(counts), arraySum(arrayMap((count, i) -> count * 1.5 * pow(2, offset + i - 1), counts, arrayEnumerate(counts))),
      0, 0, offset, counts, pow(2, offset + 4), 1
    FROM (
      SELECT
        intDiv(number, ${seriesCandidates}) AS point,
        intDiv(number % ${seriesCandidates}, ${SYSCALLS.length}) AS pair,
        number % ${SYSCALLS.length} AS sys,
        intDiv(pair, ${SERVICES_PER_HOST}) AS host,
        pair % ${SERVICES_PER_HOST} AS slot,
        if(slot = 0, toUInt32(pow((cityHash64(host) % 1000) / 1000, 3) * ${SERVICES}), (host * 7 + 3) % ${SERVICES}) AS service,
        ${startSecond + hour * 3_600} + point * ${pointSeconds} + cityHash64(pair) % ${pointSeconds} AS timeSeconds,
        toInt32(10 + (sys * 5) % 16 + cityHash64(service, sys) % 3) AS offset,
        arrayMap(i -> toUInt64((cityHash64(number, i) % 50) * (${SERVICES} - service) * ${pointSeconds / 60} / (i * i)), range(1, 5)) AS counts
      FROM numbers(${seriesCandidates * pointsPerHour})
      WHERE sys < 8 OR cityHash64(pair, sys) % 100 < intDiv(100, sys - 6)
    )`;
}

let generationSeconds = generated?.generationSeconds;
if (generated === undefined) {
  const generationStart = performance.now();
  const generation = createProgress('query: generating hours', { total: hours });
  for (let hour = 0; hour < hours; hour++) {
    // The views of one insert run side by side, as an ingest server may let them.
    await client.command({ query: hourInsert(hour), clickhouse_settings: { parallel_view_processing: 1 } });
    const [{ rows }] = await run('SELECT count() AS rows FROM otel_metrics_exponential_histogram');
    generation.update(hour + 1, `${rows} raw rows`);
  }
  generation.finish();
  generationSeconds = (performance.now() - generationStart) / 1000;
  console.log(`generated ${hours} h in ${generationSeconds.toFixed(0)} s`);
  for (const table of ['kernel_syscall_rollup_1h', 'kernel_syscall_fleet_1m', 'kernel_syscall_fleet_1h']) {
    await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  }
  if (generatedFile !== undefined) writeFileSync(generatedFile, JSON.stringify({ hosts, hours, pointSeconds, startSecond, generationSeconds }));
} else {
  const hoursAgo = (Date.now() / 1000 - (startSecond + hours * 3_600)) / 3_600;
  console.log(`measuring the store in ${dir}, generated earlier; its last hour ended ${hoursAgo.toFixed(1)} h ago`);
}
const counts = await run(`SELECT
  (SELECT count() FROM otel_metrics_exponential_histogram) AS raw,
  (SELECT count() FROM kernel_syscall_rollup_1m) AS minuteRows,
  (SELECT count() FROM kernel_syscall_rollup_1h) AS hourRows,
  (SELECT count() FROM kernel_syscall_fleet_1m) AS fleetMinuteRows,
  (SELECT count() FROM kernel_syscall_fleet_1h) AS fleetHourRows`);
console.log('rows:', JSON.stringify(counts[0]), `generated in ${generationSeconds.toFixed(0)} s`);

const estimatedRows = async (sql) => (await run(`EXPLAIN ESTIMATE ${sql}`)).reduce((sum, row) => sum + Number(row.rows), 0);

const app = Fastify();
await app.register(queryApiPlugin, { store, logger });
await app.ready();
const viaApi = (window) => async () => {
  const response = await app.inject({ method: 'GET', url: `/v1/syscalls/top?window=${window}&by=service&limit=10` });
  if (response.statusCode !== 200) throw new Error(response.body);
};
const direct = (sql) => () => run(sql);
const HOURS_6 = 6 * 3_600;
const fleetHourSql = topSql('kernel_syscall_fleet_1h', 'Hour', DAY, rollupKey);
const fleetHourWeekSql = topSql('kernel_syscall_fleet_1h', 'Hour', 7 * DAY, rollupKey);
const fleetMinute6hSql = topSql('kernel_syscall_fleet_1m', 'Minute', HOURS_6, rollupKey);
const hourWeekSql = topSql('kernel_syscall_rollup_1h', 'Hour', 7 * DAY, rollupKey);
const rawWeekSql = topSql('otel_metrics_exponential_histogram', 'TimeUnix', 7 * DAY, rawKey);
const hourSql = topSql('kernel_syscall_rollup_1h', 'Hour', DAY, rollupKey);
const minuteSql = topSql('kernel_syscall_rollup_1m', 'Minute', DAY, rollupKey);
const rawSql = topSql('otel_metrics_exponential_histogram', 'TimeUnix', DAY, rawKey);
const rawRounds = Math.max(3, Math.round(rounds / 4));
// Each figure beside the raw table's for the same window, measured in the same run.
const measure = async (label, window, once, times, sql) => ({ ...(await timed(label, once, times)), window, rows: await estimatedRows(sql) });
const results = [
  await measure('API top by service, 24h (fleet hourly rollup)', '24h', viaApi('24h'), rounds, fleetHourSql),
  await measure('same SQL, fleet hourly rollup, 24h', '24h', direct(fleetHourSql), rounds, fleetHourSql),
  await measure('same SQL, per-host hourly rollup, 24h', '24h', direct(hourSql), rounds, hourSql),
  await measure('same SQL, per-host per-minute rollup, 24h', '24h', direct(minuteSql), rawRounds, minuteSql),
  await measure('same SQL, raw histogram table, 24h (baseline)', '24h', direct(rawSql), rawRounds, rawSql),
  await measure(`API top by service, 7d (fleet hourly rollup; ${hours} h of data)`, '7d', viaApi('7d'), rounds, fleetHourWeekSql),
  await measure('same SQL, fleet hourly rollup, 7d', '7d', direct(fleetHourWeekSql), rounds, fleetHourWeekSql),
  await measure('same SQL, per-host hourly rollup, 7d', '7d', direct(hourWeekSql), rawRounds, hourWeekSql),
  await measure('same SQL, raw histogram table, 7d (baseline)', '7d', direct(rawWeekSql), rawRounds, rawWeekSql),
  await measure('API top by service, 6h (fleet per-minute rollup)', '6h', viaApi('6h'), rounds, fleetMinute6hSql),
];
const rawP95 = Object.fromEntries(results.filter((result) => result.label.includes('baseline')).map((result) => [result.window, result.p95]));
console.log(`\n${hosts} hosts x ${SERVICES} services (${SERVICES_PER_HOST} per host) x ${SYSCALLS.length} syscalls, ${hours} h, one point per series every ${pointSeconds} s`);
console.log('| query | p50 ms | p95 ms | rows read (estimate) | p95 vs raw, same window |');
console.log('|---|---|---|---|---|');
for (const result of results) {
  const ratio = rawP95[result.window] === undefined ? '–' : `${(rawP95[result.window] / result.p95).toFixed(1)}x`;
  console.log(`| ${result.label} | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} | ${result.rows} | ${ratio} |`);
}
await app.close();
await store.stop();
if (keptDir === undefined) rmSync(dir, { recursive: true, force: true });
