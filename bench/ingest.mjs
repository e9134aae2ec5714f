// Ingest speed: Kafka -> ClickHouse (chDB) per ingest process, against the real
// OpenTelemetry Collector's kafka receiver decoding the same topics in the same
// run (the decode anchor).
//
//   node bench/ingest.mjs [spans=300000] [--rounds N] [--cpu-prof] [--setup TEXT]... [--node-flags "FLAGS"]
//
// Fills otlp_spans / otlp_metrics (3 partitions) with agent output for a fleet
// (bench/lib/agent-output.mjs), then drains the backlog once with the
// Collector and once per ingest set-up, each in a fresh consumer group and a
// separate process: spans/s and metric points/s, CPU seconds per million spans
// over the whole drain and in its steady state (past the first quarter of the
// spans, once Node.js has compiled the hot code), peak RSS, CPU per thread;
// then produce -> queryable latency under a steady trickle. Two floors store
// nothing: the Kafka client alone, and with the ingest's own decode to
// RowBinary rows, the counterpart of the Collector's decode-only anchor.
// --cpu-prof profiles the last set-up's main thread and prints where its time
// goes. --setup runs only the set-ups whose name holds TEXT, or any of the
// TEXTs when given more than once, in the table's order (the Collector's
// drain, the anchor, always runs). --node-flags adds Node.js/V8 flags to the
// ingest processes' own (the launcher's), to try one out. --rounds N drains
// N times, each round the Collector first and then every set-up, and sets
// each set-up against the Collector of its own round (the VM's speed drifts
// over a run); latency probes and the profile come in the last round only.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@stallscope/schemas';
import { startChdbHttpServer } from '../integration-tests/dist/fixtures/chdb-http-server.js';
import { startKafkaBroker } from '../integration-tests/dist/fixtures/kafka-broker.js';
import { freePort } from '../integration-tests/dist/fixtures/otel-collector.js';
import { createProgress, median, printTable } from './lib/kit.mjs';
import { fleetOutput, probeMessage } from './lib/agent-output.mjs';
import { summarizeCpuProfile } from './ingest/cpu-profile.mjs';
import { buildCollector, startCollector } from './ingest/otel-collector.mjs';
import { INGEST_HEAP_FLAGS } from '../services/launcher/dist/process-heap.js';
import { peakRssBytes, processCpuSeconds, processKernelCpuSeconds, threadCpuDelta, threadCpuSeconds } from './lib/proc-stats.mjs';

const NAME = 'ingest';
// One status line (a note per step, no total): each phase says how far it is.
const status = createProgress(NAME);
const progress = (_name, message) => status.update(0, message);
const progressDone = () => status.finish();
const args = process.argv.slice(2);
/** The values of every `flag TEXT` pair on the command line. */
const valuesOf = (flag) => args.flatMap((arg, index) => (arg === flag ? [args[index + 1] ?? ''] : []));
/** Flags followed by a value. */
const FLAGS_WITH_VALUES = ['--setup', '--node-flags', '--rounds'];
const spanTotal = Number(args.find((arg, index) => /^\d+$/.test(arg) && !FLAGS_WITH_VALUES.includes(args[index - 1])) ?? 300_000);
const roundCount = Number(valuesOf('--rounds').at(-1) ?? 1);
if (!Number.isInteger(roundCount) || roundCount < 1) {
  console.error(`--rounds ${valuesOf('--rounds').at(-1)}: a whole number of rounds, 1 or more`);
  process.exit(2);
}
const cpuProfile = args.includes('--cpu-prof');
const extraNodeFlags = valuesOf('--node-flags').flatMap((flags) => flags.split(/\s+/).filter(Boolean));
const PARTITIONS = 3;
const POLL_MS = 200;
/** The share of a drain's spans taken as its warm-up. */
const WARM_UP_SHARE = 0.25;
const DRAIN_TIMEOUT_MS = 15 * 60_000;
const PROBES = 20;
/** One full agent message per interval during the latency probes: a steady load well below any set-up's capacity. */
const TRICKLE_INTERVAL_MS = 2000;

/** The ingest set-ups compared; config sections as in the launcher's config. */
const EIGHT_MIB = 8 * 1024 * 1024;
const SETUPS = [
  // Floors, nothing stored (bench/ingest/ingest-worker.mjs): the Kafka client alone, and with the
  // ingest's own message -> RowBinary rows, the counterpart of the Collector's decode into its debug exporter.
  { name: 'floor: Kafka client alone (no decode, nothing stored), 8 MiB fetches', mode: 'fetch', kafka: { maxBatchBytes: EIGHT_MIB } },
  { name: 'floor: Kafka client + RowBinary rows (decode only, nothing stored), 8 MiB fetches', mode: 'decode', kafka: { maxBatchBytes: EIGHT_MIB } },
  { name: 'ingest, JSONEachRow, 1 MiB fetches', ingest: { insertFormat: 'JSONEachRow' }, kafka: {} },
  { name: 'ingest, RowBinary decoded first, 8 MiB fetches', ingest: { insertFormat: 'RowBinary', directSpanRows: false, directMetricRows: false }, kafka: { maxBatchBytes: EIGHT_MIB } },
  { name: 'ingest, RowBinary direct, 1 MiB fetches (defaults)', ingest: { insertFormat: 'RowBinary' }, kafka: {} },
  // A ClickHouse server in its own process (the suites' shared-store fixture: chDB behind
  // ClickHouse's HTTP interface), so the ingest's CPU is its own, not the engine's.
  { name: 'ingest -> ClickHouse over HTTP, JSONEachRow, 8 MiB fetches', store: 'http', ingest: { insertFormat: 'JSONEachRow' }, kafka: { maxBatchBytes: EIGHT_MIB } },
  { name: 'ingest -> ClickHouse over HTTP, RowBinary direct, 8 MiB fetches', store: 'http', ingest: { insertFormat: 'RowBinary' }, kafka: { maxBatchBytes: EIGHT_MIB } },
  { name: 'ingest, RowBinary direct, 8 MiB fetches', ingest: { insertFormat: 'RowBinary' }, kafka: { maxBatchBytes: EIGHT_MIB } },
];
const setupFilters = valuesOf('--setup');
const setups = setupFilters.length > 0 ? SETUPS.filter((setup) => setupFilters.some((filter) => filter !== '' && setup.name.includes(filter))) : SETUPS;
if (setups.length === 0) {
  console.error(`--setup ${setupFilters.join(', ')}: no set-up's name holds it; they are:\n${SETUPS.map((setup) => `  ${setup.name}`).join('\n')}`);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const k = (perSecond) => `${(perSecond / 1000).toFixed(1)}k`;

/**
 * Polls `accepted()` ({ spans, points }) until both totals are in, timing from
 * the last poll that saw no progress (so a consumer group's join does not
 * count; the start is early by up to one poll, which only lowers the rates)
 * and reading `cpuSeconds()` at the same instants. The steady state is the
 * spans' drain past the first WARM_UP_SHARE of them (`onWarm` then), when a
 * Node.js process has compiled its hot code: a deployed ingest runs warm.
 */
async function drain(label, { accepted, cpuSeconds, kernelSeconds, onIdle = () => {}, onWarm = () => {} }, totals) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let first;
  let idle = { atMs: Date.now(), spans: 0, points: 0, cpu: cpuSeconds() };
  onIdle();
  let warm;
  let steady;
  let spansDoneAt;
  let pointsDoneAt;
  for (;;) {
    const atMs = Date.now();
    const now = await accepted();
    const cpu = cpuSeconds();
    if (!first && (now.spans > 0 || now.points > 0)) first = idle;
    else if (!first) {
      idle = { atMs, spans: 0, points: 0, cpu };
      onIdle();
    }
    if (first && !warm && now.spans >= totals.spans * WARM_UP_SHARE && now.spans < totals.spans) {
      warm = { atMs, spans: now.spans, cpu, kernel: kernelSeconds() };
      onWarm();
    }
    if (first && !spansDoneAt && now.spans >= totals.spans) {
      spansDoneAt = atMs;
      if (warm) {
        const spans = totals.spans - warm.spans;
        steady = {
          spansPerSecond: spans / ((atMs - warm.atMs) / 1000),
          cpuPerMillionSpans: ((cpu - warm.cpu) / spans) * 1e6,
          kernelShare: (kernelSeconds() - warm.kernel) / (cpu - warm.cpu),
        };
      }
    }
    if (first && !pointsDoneAt && now.points >= totals.points) pointsDoneAt = atMs;
    progress(NAME, `${label}: ${now.spans}/${totals.spans} spans, ${now.points}/${totals.points} points`);
    if (spansDoneAt && pointsDoneAt) {
      const seconds = (Math.max(spansDoneAt, pointsDoneAt) - first.atMs) / 1000;
      const spans = totals.spans - first.spans;
      return {
        spansPerSecond: spans / ((spansDoneAt - first.atMs) / 1000),
        pointsPerSecond: (totals.points - first.points) / ((pointsDoneAt - first.atMs) / 1000),
        cpuSeconds: cpu - first.cpu,
        cpuPerMillionSpans: ((cpu - first.cpu) / spans) * 1e6,
        cores: (cpu - first.cpu) / seconds,
        steady,
      };
    }
    if (Date.now() > deadline) throw new Error(`${label}: not drained within ${DRAIN_TIMEOUT_MS / 60_000} min (${now.spans} spans, ${now.points} points)`);
    await sleep(POLL_MS);
  }
}

function startWorker(setup, brokers, profileDir, storeUrl, expected) {
  const chdbPath = mkdtempSync(join(tmpdir(), 'stallscope-bench-chdb-'));
  tempDirs.push(chdbPath);
  const groupId = `bench-ingest-${Date.now()}`;
  const child = fork(join(import.meta.dirname, 'ingest', 'ingest-worker.mjs'), [JSON.stringify({ brokers, chdbPath, storeUrl, groupId, ingest: setup.ingest, kafka: setup.kafka, mode: setup.mode, expected })], {
    // The V8 flags the launcher restarts an ingest process with.
    execArgv: [...INGEST_HEAP_FLAGS, ...extraNodeFlags, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters = new Map();
  let latest = { rows: {} };
  child.on('message', (message) => {
    if (message.kind === 'progress') latest = message;
    waiters.get(message.kind === 'probe' ? message.traceId : message.kind)?.(message);
  });
  const next = (key) => new Promise((resolve) => waiters.set(key, resolve));
  return {
    pid: child.pid,
    ready: next('ready'),
    async accepted() {
      const reported = next('progress');
      child.send({ kind: 'report' });
      const { rows } = await reported;
      return { spans: rows.otel_traces ?? 0, points: rows.otel_metrics_exponential_histogram ?? 0, rssBytes: latest.rssBytes };
    },
    probe(traceId) {
      const seen = next(traceId);
      child.send({ kind: 'probe', traceId });
      return seen;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ kind: 'stop' });
      await exited;
      rmSync(chdbPath, { recursive: true, force: true });
    },
  };
}

/** produce -> queryable: single-span probes while a steady trickle of full agent messages flows. */
async function latencies(worker, producer, traceMessages) {
  let trickling = true;
  const trickle = (async () => {
    for (let i = 0; trickling; i++) {
      await producer.send({ topic: Topics.spans, messages: [{ value: traceMessages[i % traceMessages.length] }] });
      await sleep(TRICKLE_INTERVAL_MS);
    }
  })();
  const millis = [];
  for (let i = 0; i < PROBES; i++) {
    let traceId;
    const value = probeMessage(10_000 + i, (id) => (traceId = id));
    const sentAtMs = Date.now();
    await producer.send({ topic: Topics.spans, messages: [{ value }] });
    const { seenAtMs } = await worker.probe(traceId);
    millis.push(seenAtMs - sentAtMs);
    progress(NAME, `latency probe ${i + 1}/${PROBES}: ${seenAtMs - sentAtMs} ms`);
    await sleep(150);
  }
  trickling = false;
  await trickle;
  millis.sort((a, b) => a - b);
  return { p50: median(millis), p95: millis[Math.ceil(millis.length * 0.95) - 1] };
}

// Exit handlers (the broker's kill, the temp dirs' removal) run on Ctrl-C too.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const tempDirs = [];
process.once('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

progress(NAME, 'building the OpenTelemetry Collector (cached after the first build)');
const collectorBinary = buildCollector();
const input = fleetOutput(spanTotal, 10_000, (spans) => progress(NAME, `encoding agent output: ${spans}/${spanTotal} spans`));
const bytes = [...input.traceMessages, ...input.metricMessages].reduce((total, message) => total + message.length, 0);
progress(NAME, 'starting a Kafka broker');
const broker = await startKafkaBroker();
const kafka = new Kafka({ clientId: 'bench-ingest-producer', brokers: broker.brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [Topics.spans, Topics.metrics].map((topic) => ({ topic, numPartitions: PARTITIONS })), waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();
let produced = 0;
// One message per send, as the agent sends: a record batch stays under the broker's max.message.bytes.
for (const [topic, messages] of [[Topics.spans, input.traceMessages], [Topics.metrics, input.metricMessages]]) {
  for (let i = 0; i < messages.length; i++) {
    await producer.send({ topic, messages: [{ value: messages[i], partition: i % PARTITIONS }] });
    if (++produced % 50 === 0) progress(NAME, `producing: ${produced}/${input.traceMessages.length + input.metricMessages.length} messages`);
  }
}
const totals = { spans: input.spans, points: input.points };

/** The Collector's drain, the anchor of the set-ups' drains that follow it. */
async function collectorDrain() {
  const collector = startCollector(collectorBinary, {
    brokers: broker.brokers,
    groupId: `bench-otelcol-${Date.now()}`,
    spansTopic: Topics.spans,
    metricsTopic: Topics.metrics,
    metricsPort: await freePort(),
  });
  try {
    const drained = await drain('OTel Collector kafka receiver', {
      accepted: collector.accepted,
      cpuSeconds: () => processCpuSeconds(collector.pid),
      kernelSeconds: () => processKernelCpuSeconds(collector.pid),
    }, totals);
    return { name: 'OTel Collector v0.155.0 kafka receiver -> debug (decode only)', ...drained, peakRssBytes: peakRssBytes(collector.pid) };
  } finally {
    await collector.stop();
  }
}

/** One set-up's drain; `last`: the run's last drain, which takes the latency probes and the profile. */
async function setupDrain(setup, last) {
  const profileDir = cpuProfile && last ? mkdtempSync(join(tmpdir(), 'stallscope-bench-prof-')) : undefined;
  const server = setup.store === 'http' ? await startChdbHttpServer() : undefined;
  const worker = startWorker(setup, broker.brokers, profileDir, server?.url, {
    [Topics.spans]: { messages: input.traceMessages.length, rows: input.spans },
    [Topics.metrics]: { messages: input.metricMessages.length, rows: input.points },
  });
  let threadsBefore;
  let threadsWarm;
  let serverCpuBefore = 0;
  let result;
  try {
    await worker.ready;
    const drained = await drain(setup.name, {
      accepted: worker.accepted,
      cpuSeconds: () => processCpuSeconds(worker.pid),
      kernelSeconds: () => processKernelCpuSeconds(worker.pid),
      onIdle: () => {
        threadsBefore = threadCpuSeconds(worker.pid);
        if (server) serverCpuBefore = processCpuSeconds(server.pid);
      },
      onWarm: () => (threadsWarm = threadCpuSeconds(worker.pid)),
    }, totals);
    const threadsAfter = threadCpuSeconds(worker.pid);
    const threads = threadCpuDelta(threadsBefore, threadsAfter);
    const steadyThreads = threadsWarm && threadCpuDelta(threadsWarm, threadsAfter);
    const storeCpuPerMillionSpans = server ? ((processCpuSeconds(server.pid) - serverCpuBefore) / (totals.spans)) * 1e6 : undefined;
    const peak = peakRssBytes(worker.pid);
    // A floor stores nothing to query. The probes add messages to the topics, which
    // later drains would take too: only the last round sends them.
    const latency = setup.mode || !lastRound() ? undefined : await latencies(worker, producer, input.traceMessages);
    result = { name: setup.name, ...drained, storeCpuPerMillionSpans, peakRssBytes: peak, latency, threads, steadyThreads };
  } finally {
    await worker.stop();
    await server?.stop();
  }
  if (profileDir) {
    // Kept for a closer look (Chrome DevTools, speedscope); the summary names it.
    const path = join(profileDir, readdirSync(profileDir).find((file) => file.endsWith('.cpuprofile')));
    result.profile = { path, ...summarizeCpuProfile(path) };
  }
  return result;
}

/** Each round's drains: the Collector's first, then each set-up's. */
const rounds = [];
let round = 0;
const lastRound = () => round === roundCount - 1;
try {
  for (; round < roundCount; round++) {
    if (roundCount > 1) progress(NAME, `round ${round + 1} of ${roundCount}`);
    const results = [await collectorDrain()];
    for (const [index, setup] of setups.entries()) results.push(await setupDrain(setup, lastRound() && index === setups.length - 1));
    rounds.push(results);
  }
} finally {
  await producer.disconnect();
  await broker.stop();
}
progressDone();

console.log(`${input.spans} spans in ${input.traceMessages.length} messages (~${Math.round(input.spans / input.traceMessages.length)} spans each), ` +
  `${input.points} histogram points in ${input.metricMessages.length} messages, ${mib(bytes)} MiB, ${PARTITIONS} partitions`);
/** A round's two tables: the whole drains and their steady state, each against the round's Collector drain. */
function printRound(results) {
  const anchor = results[0];
  printTable(
    ['consumer', 'spans/s', 'points/s', 'CPU s per 1M spans', 'ClickHouse server CPU s per 1M spans', 'cores busy', 'peak RSS MiB', 'produce->queryable p50/p95 ms', 'spans/s per core vs Collector'],
    results.map((result) => [
      result.name,
      k(result.spansPerSecond),
      k(result.pointsPerSecond),
      result.cpuPerMillionSpans.toFixed(1),
      result.storeCpuPerMillionSpans === undefined ? '–' : result.storeCpuPerMillionSpans.toFixed(1),
      result.cores.toFixed(2),
      mib(result.peakRssBytes),
      result.latency ? `${result.latency.p50}/${result.latency.p95}` : '–',
      // Per CPU second of the whole drain (spans and points, which every consumer takes
      // alike): spans/s over cores busy would divide a rate of the spans' drain by the
      // CPU of the longer of the two drains, and flatter whichever finished its spans first.
      (anchor.cpuPerMillionSpans / result.cpuPerMillionSpans).toFixed(2),
    ]),
  );
  console.log(`\nSteady state: the spans' drain past its first ${WARM_UP_SHARE * 100}% (compiled code; metric points still draining then count too):`);
  printTable(
    ['consumer', 'spans/s', 'CPU s per 1M spans', 'of it kernel', 'spans per CPU second vs Collector', 'CPU s by thread'],
    results.map((result) => [
      result.name,
      result.steady ? k(result.steady.spansPerSecond) : '–',
      result.steady ? result.steady.cpuPerMillionSpans.toFixed(1) : '–',
      result.steady ? `${(result.steady.kernelShare * 100).toFixed(0)}%` : '–',
      result.steady && anchor.steady ? (anchor.steady.cpuPerMillionSpans / result.steady.cpuPerMillionSpans).toFixed(2) : '–',
      result.steadyThreads ? result.steadyThreads.slice(0, 3).map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`).join(', ') : '–',
    ]),
  );
}

for (const [index, results] of rounds.entries()) {
  if (rounds.length > 1) console.log(`\nRound ${index + 1} of ${rounds.length}:`);
  printRound(results);
}
if (rounds.length > 1) {
  // Each set-up against the Collector's drain of its own round, which ran minutes before
  // it at most: a VM whose speed drifts over a run moves both.
  const whole = (result) => result.cpuPerMillionSpans;
  const steady = (result) => result.steady?.cpuPerMillionSpans;
  console.log(`\nSpans per CPU second vs the Collector of the same round, ${rounds.length} rounds (each round's, then their median):`);
  printTable(
    ['consumer', 'whole drain', 'median', 'steady state', 'median'],
    setups.map((setup, index) => {
      const byRound = (figure) => rounds.map((results) => (figure(results[0]) && figure(results[index + 1]) ? figure(results[0]) / figure(results[index + 1]) : undefined));
      const shown = (values) => values.map((value) => (value === undefined ? '–' : value.toFixed(2))).join(', ');
      const middle = (values) => {
        const known = values.filter((value) => value !== undefined);
        return known.length ? median(known).toFixed(2) : '–';
      };
      return [setup.name, shown(byRound(whole)), middle(byRound(whole)), shown(byRound(steady)), middle(byRound(steady))];
    }),
  );
}
const results = rounds.at(-1);
const ofRound = rounds.length > 1 ? ', last round' : '';
for (const result of results.filter((result) => result.threads)) {
  console.log(`\nCPU by thread, ${result.name} (s during the drain${ofRound}):`);
  printTable(['thread', 'CPU s', 'share'], result.threads.slice(0, 8).map(([name, seconds]) => [name, seconds.toFixed(1), `${((seconds / result.cpuSeconds) * 100).toFixed(0)}%`]));
}
for (const result of results.filter((result) => result.profile)) {
  console.log(`\nMain thread by stage, ${result.name} (--cpu-prof, shares of ${result.profile.busySeconds.toFixed(1)} s sampled busy; profile ${result.profile.path}):`);
  printTable(['stage', 'share'], result.profile.stages.map(({ name, share }) => [name, `${(share * 100).toFixed(1)}%`]));
  printTable(['function (self time)', 'share'], result.profile.functions.map(({ name, share }) => [name, `${(share * 100).toFixed(1)}%`]));
}
