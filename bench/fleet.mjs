// Fleet simulation on one machine: N hosts replay the recorded agent output
// (bench/lib/agent-output.mjs: the agent's own span mapping, histograms and
// OTLP encoder), each under its own identity, at the recording's per-host
// rate, producing to Kafka through the project's producer; two ingest
// processes in one consumer group write one store; one query API answers.
//
//   node bench/fleet.mjs [--hosts 1000] [--duration 120] [--spans 20] [--brokers host:port,...] [--rounds 20] [--producers 32]
//
// --spans: slow spans per host interval (the recording's busy hour has 1,000
// per 10 s interval; 20 is a quieter host); every host exports its 60
// histogram points each interval. Without --brokers one local broker runs
// (topics then have replication factor 1; said in the output).
//
// Reports: sustained spans/s and points/s against the rate offered in the same
// window, consumer lag p95 (sampled), produce -> queryable p50/p95 (marker
// spans, one store query per poll for all of them), CPU and RSS per process (/proc), and
// the 24h top-10 query's p50/p95 through the API against the same SQL on the
// raw table (the baseline) over what was ingested.
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { ingestConfigDefaults } from '@stallscope/ingest';
import { RECORDED_INTERVAL_SECONDS, RECORDED_SPANS_PER_INTERVAL } from './lib/agent-output.mjs';
import { createProgress, printTable } from './lib/kit.mjs';
import { peakRssBytes } from './lib/proc-stats.mjs';
import { DAY_SECONDS, rawKey, timed, topSql } from './lib/top-query.mjs';
import { MAX_PENDING_SENDS_PER_PRODUCER, startReplay } from './fleet/replay.mjs';
import { consumerLag, ingestedRows, percentile, processSample } from './fleet/samplers.mjs';
import { PARTITIONS, startStack } from './fleet/stack.mjs';

const { values: args } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '120' },
    spans: { type: 'string', default: '20' },
    brokers: { type: 'string' },
    rounds: { type: 'string', default: '20' },
    producers: { type: 'string', default: '32' },
  },
});
const hosts = Number(args.hosts);
const durationS = Number(args.duration);
const spansPerInterval = Number(args.spans);
const rounds = Number(args.rounds);
const producers = Number(args.producers);
for (const [name, value] of Object.entries({ hosts, duration: durationS, rounds, producers })) {
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`--${name} must be a positive integer, got ${args[name]}`);
}
if (!(Number.isInteger(spansPerInterval) && spansPerInterval >= 0)) throw new Error(`--spans must be a whole number, got ${args.spans}`);

const SAMPLE_MS = 2000;
const MARKER_EVERY_MS = 2000;
const MARKER_POLL_MS = 250;
const MARKER_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 180_000;
/** The first quarter of the run (at most 30 s: group join, first fetches, store warm-up) is left out of the rates. */
const warmupMs = Math.min(30_000, durationS * 250);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const k = (perSecond) => `${(perSecond / 1000).toFixed(2)}k`;
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);

// Exit handlers (the brokers' and store's kill, temp dirs) run on Ctrl-C too.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

const setup = createProgress('fleet: setting up');
const stack = await startStack({ brokers: args.brokers, note: (message) => setup.update(0, message) });
let report;
try {
  setup.update(0, `connecting ${hosts} hosts' producers`);
  const replay = await startReplay({
    brokers: stack.kafka.brokers,
    partitions: PARTITIONS,
    replicationFactor: stack.kafka.replicationFactor,
    hosts,
    spansPerInterval,
    producers,
  });
  setup.finish();
  report = await run(replay);
} finally {
  await stack.stop();
}
print(report);

async function run(replay) {
  const processes = [{ name: `fleet replay (${hosts} hosts, ${producers} producers, this process)`, pid: process.pid }, ...stack.processes];
  const groupId = ingestConfigDefaults.consumerGroup;
  const samples = [];
  const sample = async () => {
    const atMs = Date.now();
    const offered = { spans: replay.totals.spans, points: replay.totals.points };
    const processesNow = processSample(processes);
    const [ingested, lag] = await Promise.all([ingestedRows(stack.ingests), consumerLag(stack.kafka.admin, groupId)]);
    const entry = { atMs, offered, ingested, lag, processes: processesNow };
    samples.push(entry);
    return entry;
  };

  // Markers: a span of its own each, timed from its send until the store
  // holds it; one query a poll asks for every marker still out, so that the
  // polling does not load the store it measures.
  const client = createClient({ url: stack.store.url });
  const markers = [];
  const outstanding = new Map();
  const sends = [];
  let polling = true;
  let pollError;
  const poll = async () => {
    const result = await client.query({
      query: 'SELECT DISTINCT TraceId FROM otel_traces WHERE TraceId IN {ids:Array(String)}',
      query_params: { ids: [...outstanding.keys()] },
      format: 'JSONEachRow',
    });
    const seenAtMs = Date.now();
    for (const { TraceId } of await result.json()) {
      outstanding.get(TraceId)?.resolve(seenAtMs);
      outstanding.delete(TraceId);
    }
    for (const [traceId, marker] of outstanding) {
      if (seenAtMs - marker.sentAtMs > MARKER_TIMEOUT_MS) {
        marker.resolve(undefined);
        outstanding.delete(traceId);
      }
    }
  };
  const poller = (async () => {
    while (polling || outstanding.size > 0) {
      await sleep(MARKER_POLL_MS);
      if (outstanding.size === 0) continue;
      try {
        await poll();
      } catch (error) {
        pollError = error;
        for (const marker of outstanding.values()) marker.resolve(undefined);
        outstanding.clear();
        return;
      }
    }
  })();
  const timeMarker = (host) => {
    const sent = replay.marker(host);
    sends.push(sent);
    return sent.then(async ({ traceId, sentAtMs }) => {
      const seenAtMs = await new Promise((resolve) => (pollError ? resolve(undefined) : outstanding.set(traceId, { sentAtMs, resolve })));
      return { sentAtMs, millis: seenAtMs === undefined ? undefined : seenAtMs - sentAtMs };
    });
  };
  const api = (path) => fetch(`${stack.queryApi.url}${path}`, { headers: { authorization: `Bearer ${stack.queryApi.token}` } });

  const running = createProgress('fleet', { total: durationS });
  replay.start();
  const startMs = Date.now();
  const endMs = startMs + durationS * 1000;
  // On a timer of their own: a slow sample must not thin them out.
  const sendMarker = () => markers.push(timeMarker(markers.length % hosts).catch((error) => ({ error })));
  sendMarker();
  const markerTimer = setInterval(sendMarker, MARKER_EVERY_MS);
  while (Date.now() < endMs) {
    const now = await sample();
    const previous = samples.at(-2) ?? now;
    const seconds = Math.max(0.001, (now.atMs - previous.atMs) / 1000);
    running.update(Math.round((now.atMs - startMs) / 1000),
      `offered ${k((now.offered.spans - previous.offered.spans) / seconds)} spans/s ${k((now.offered.points - previous.offered.points) / seconds)} points/s, ` +
      `ingested ${k((now.ingested.spans - previous.ingested.spans) / seconds)} spans/s ${k((now.ingested.points - previous.ingested.points) / seconds)} points/s, lag ${now.lag} messages`);
    await sleep(Math.min(SAMPLE_MS, Math.max(0, endMs - Date.now())));
  }
  clearInterval(markerTimer);
  running.finish();
  // Every marker is out (and so waits in the poller's set) before the producers stop.
  await Promise.allSettled(sends);
  await replay.stop();
  const producedEndMs = Date.now();
  const steady = samples.filter((entry) => entry.atMs >= startMs + warmupMs);
  const first = steady[0];
  const last = steady.at(-1);

  // Drain: everything acknowledged must reach the store.
  const draining = createProgress('fleet: draining');
  const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
  let drained;
  for (;;) {
    drained = await sample();
    draining.update(0, `lag ${drained.lag} messages, ${drained.ingested.spans}/${replay.totals.spans} spans, ${drained.ingested.points}/${replay.totals.points} points`);
    const caughtUp = drained.lag === 0 && drained.ingested.spans >= replay.totals.spans && drained.ingested.points >= replay.totals.points;
    if (caughtUp || Date.now() > drainDeadline) break;
    await sleep(SAMPLE_MS);
  }
  const drainSeconds = (drained.atMs - producedEndMs) / 1000;
  draining.update(0, 'waiting for the last markers');
  polling = false;
  const markerResults = await Promise.all(markers);
  await poller;
  const markerError = pollError ?? markerResults.find((marker) => marker.error)?.error;
  if (markerError) throw markerError;
  draining.finish();
  const peaks = processes.map(({ pid }) => {
    try {
      return peakRssBytes(pid);
    } catch {
      return NaN;
    }
  });

  // What the store holds, and the 24h top-10 through the API against the raw table.
  const count = async (table) => Number((await (await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json())[0].n);
  const stored = { spans: await count('otel_traces'), points: await count('otel_metrics_exponential_histogram') };
  const querying = createProgress('fleet: 24h top-10 queries');
  querying.update(0, `${rounds} rounds through the API, then the raw table`);
  let topRows;
  const viaApi = await timed('API GET /v1/syscalls/top?window=24h&by=service&limit=10', async () => {
    const response = await api('/v1/syscalls/top?window=24h&by=service&limit=10');
    if (response.status !== 200) throw new Error(`top query: ${response.status} ${await response.text()}`);
    topRows = (await response.json()).rows;
  }, rounds);
  const rawSql = topSql('otel_metrics_exponential_histogram', 'TimeUnix', DAY_SECONDS, rawKey);
  const raw = await timed('same SQL on the raw histogram table (baseline)', () => client.query({ query: rawSql, format: 'JSONEachRow' }).then((result) => result.json()), rounds);
  querying.finish();
  await client.close();
  if (!topRows?.length) throw new Error('the 24h top-10 answered no rows over what was ingested');

  const windowSeconds = (last.atMs - first.atMs) / 1000;
  const rate = (pick) => (pick(last) - pick(first)) / windowSeconds;
  const steadyMarkers = markerResults.filter((marker) => marker.sentAtMs >= startMs + warmupMs);
  const markerMillis = steadyMarkers.map((marker) => marker.millis).filter((millis) => millis !== undefined);
  return {
    windowSeconds,
    offered: { spans: rate((entry) => entry.offered.spans), points: rate((entry) => entry.offered.points) },
    ingested: { spans: rate((entry) => entry.ingested.spans), points: rate((entry) => entry.ingested.points) },
    lag: { p95: percentile(steady.map((entry) => entry.lag), 0.95), max: Math.max(...steady.map((entry) => entry.lag)), samples: steady.length },
    markers: { sent: steadyMarkers.length, late: steadyMarkers.length - markerMillis.length, p50: percentile(markerMillis, 0.5), p95: percentile(markerMillis, 0.95) },
    drain: { seconds: drainSeconds, lag: drained.lag },
    totals: { ...replay.totals, markers: markers.length },
    stored,
    processes: processes.map((entry, index) => {
      const [before, after] = [first.processes[index], last.processes[index]];
      const rss = samples.map((each) => each.processes[index]?.rssBytes ?? 0);
      return { ...entry, cores: before && after ? (after.cpuSeconds - before.cpuSeconds) / windowSeconds : NaN, rssMaxBytes: Math.max(...rss), peakRssBytes: peaks[index] };
    }),
    queries: { viaApi, raw, top: topRows.slice(0, 3) },
  };
}

function print(result) {
  const { kafka } = stack;
  console.log(`fleet: ${hosts} hosts, each exporting every ${RECORDED_INTERVAL_SECONDS} s (the recording's interval) its 60 histogram points ` +
    `and ${spansPerInterval} slow spans (${((spansPerInterval / RECORDED_SPANS_PER_INTERVAL) * 100).toFixed(1)}% of the recording's busy-hour rate), ${durationS} s, ` +
    `rates over the last ${result.windowSeconds.toFixed(0)} s (the first ${(warmupMs / 1000).toFixed(0)} s left out)`);
  console.log(`kafka: ${kafka.brokerCount} broker(s), ${kafka.origin}, ` +
    `${PARTITIONS} partitions, replication factor ${kafka.replicationFactor}, min.insync.replicas ${kafka.minInsyncReplicas}, acks=all`);
  console.log('store: ONE chDB engine in its own process serving the ClickHouse HTTP interface (a test fixture standing in for a ClickHouse server, which this machine cannot run); ' +
    'both ingest processes (one consumer group) and the query API reach it through the project\'s HTTP store path, so the dedup tokens of both replicas meet in one store. ' +
    'It runs one request at a time where a server runs them side by side: the ingest figures are bounded by it');
  console.log(`host exports: ${result.totals.exports} sent, ${result.totals.dropped} dropped (a producer ${MAX_PENDING_SENDS_PER_PRODUCER} sends behind), ${result.totals.failed} sends failed` +
    `${result.totals.firstFailure ? ` (first: ${result.totals.firstFailure})` : ''}; delivered (acknowledged): ${result.totals.spans} spans, ${result.totals.points} points, ` +
    `${result.totals.messages} messages, + ${result.totals.markers} markers`);
  console.log(`in the store after the drain (${result.drain.seconds.toFixed(0)} s, lag ${result.drain.lag}): ${result.stored.spans} spans (delivered ${result.totals.spans + result.totals.markers}), ` +
    `${result.stored.points} points (delivered ${result.totals.points})`);
  const extra = { spans: result.stored.spans - result.totals.spans - result.totals.markers, points: result.stored.points - result.totals.points };
  if (result.drain.lag > 0) console.log(`NOT DRAINED within ${DRAIN_TIMEOUT_MS / 1000} s: the store's counts above are short of what was delivered`);
  else if (extra.spans < 0 || extra.points < 0) {
    console.log(`LOST: the store holds ${-Math.min(0, extra.spans)} spans and ${-Math.min(0, extra.points)} points fewer than was delivered`);
    process.exitCode = 1;
  } else if (extra.spans > 0 || extra.points > 0) {
    // A send that timed out on the client may have been written all the same (kafkajs's idempotent producer under request timeouts).
    console.log(`the store holds ${extra.spans} spans and ${extra.points} points more than was acknowledged: sends that failed on the client (${result.totals.failed}) but reached the broker`);
  }
  console.log('');
  printTable(
    ['figure', 'value', 'vs offered (same window)'],
    [
      ['sustained spans/s', k(result.ingested.spans), `${k(result.offered.spans)} offered, ${(result.ingested.spans / result.offered.spans).toFixed(2)}x`],
      ['sustained points/s', k(result.ingested.points), `${k(result.offered.points)} offered, ${(result.ingested.points / result.offered.points).toFixed(2)}x`],
      ['consumer lag p95 / max (messages)', `${result.lag.p95} / ${result.lag.max}`, `${result.lag.samples} samples, every ${SAMPLE_MS / 1000} s`],
      ['produce -> queryable p50 / p95 (ms)', `${result.markers.p50} / ${result.markers.p95}`, `${result.markers.sent} markers, ${result.markers.late} not queryable within ${MARKER_TIMEOUT_MS / 1000} s`],
    ],
  );
  console.log('');
  printTable(
    ['process', 'pid', 'cores (avg)', 'RSS max MiB', 'peak RSS (VmHWM) MiB'],
    result.processes.map((entry) => [entry.name, entry.pid, entry.cores.toFixed(2), mib(entry.rssMaxBytes), mib(entry.peakRssBytes)]),
  );
  console.log('');
  const { viaApi, raw, top } = result.queries;
  printTable(
    ['24h top-10 by service', 'p50 ms', 'p95 ms', 'p95 vs raw'],
    [viaApi, raw].map((entry) => [entry.label, entry.p50.toFixed(1), entry.p95.toFixed(1), `${(raw.p95 / entry.p95).toFixed(1)}x`]),
  );
  console.log(`top rows: ${top.map((row) => `${row.service} ${row.syscall} (${row.waitClass}) ${row.blockedSeconds.toFixed(1)} s`).join('; ')}`);
}
