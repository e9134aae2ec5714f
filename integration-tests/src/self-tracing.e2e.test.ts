// Self-tracing end to end: one stallscope watches another. Starts: a Kafka
// broker; the observer, `--target collector,ingest,query-api` in one process
// (in-process transport, embedded chDB: the all-in-one without the agent,
// which plays no part here); the observed, `--target ingest` with Kafka and
// its own embedded chDB, its self-tracing pointed at the observer's OTLP/gRPC
// port. OTLP span messages produced into Kafka go through the observed
// ingest; its batch and insert spans must then be in the observer's store.
// The observer also traces itself into its own collector, so its own spans
// go round through the pipeline they describe: that must settle to a
// constant trickle, not grow. Last, a third stallscope (all-in-one without
// the agent) evaluates a burn-rate SLO over an application's spans every
// second; its evaluation rounds, with the alert that fires, and their SQL must
// reach the observer too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger, Registry } from '@stallscope/common';
import { SelfSpan, SelfSpanAttr, SloEvaluateOutcome, Topics } from '@stallscope/schemas';
import { createKafkaTransport, kafkaTransportConfigDefaults, type TransportProducer } from '@stallscope/transport';
import { postOtlp, traceRequestBody } from './fixtures/application-telemetry.js';
import { consumerLag, ingestEnv } from './fixtures/ingest-faults.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { freePort } from './fixtures/otel-collector.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const MESSAGES = 12;
const SPANS_PER_MESSAGE = 3;
const GROUP = 'self-tracing-observed';
const OBSERVER_SERVICE = 'stallscope-observer';
const SLO_EVALUATOR_SERVICE = 'stallscope-slo-evaluator';
const kafkaSkip = kafkaSkipReason();
if (kafkaSkip) console.log(`skipping the self-tracing test: ${kafkaSkip}`);

let broker: KafkaBroker | undefined;
let admin: Admin | undefined;
let producer: TransportProducer | undefined;
let observer: StallscopeProcess | undefined;
let observed: StallscopeProcess | undefined;
const dataDirs: string[] = [];
const newDataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-self-tracing-'));
  dataDirs.push(dir);
  return dir;
};

before(
  async () => {
    if (kafkaSkip) return;
    broker = await startKafkaBroker();
    admin = new Kafka({ clientId: 'self-tracing', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // One partition, so the offsets of what we produce are 0..MESSAGES-1.
    const transport = createKafkaTransport(
      { ...kafkaTransportConfigDefaults, brokers: broker.brokers, clientId: 'self-tracing-producer', topicPartitions: 1 },
      { logger: createLogger('silent'), metrics: new Registry() },
    );
    producer = transport.createProducer();
    await producer.start();
    // A port known before the start, so the observer's self-tracing can point at its own collector.
    const observerGrpcPort = await freePort();
    observer = await startStallscope(
      'collector,ingest,query-api',
      {
        STALLSCOPE_COLLECTOR_GRPC_PORT: String(observerGrpcPort),
        STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT: `http://127.0.0.1:${observerGrpcPort}`,
        STALLSCOPE_SELF_TRACING_SERVICE_NAME: OBSERVER_SERVICE,
      },
      newDataDir(),
    );
    assert.ok(observer.otlpGrpc, 'the observer runs a collector');
    const observedDir = newDataDir();
    observed = await startStallscope(
      'ingest',
      {
        ...ingestEnv(broker.brokers, GROUP, join(observedDir, 'chdb')),
        STALLSCOPE_TRANSPORT_KAFKA_TOPIC_PARTITIONS: '1',
        STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT: observer.otlpGrpc,
      },
      observedDir,
    );
  },
  { timeout: 240_000 },
);

after(async () => {
  for (const running of extraProcesses) await running.kill();
  await observed?.kill();
  await observer?.stop();
  await producer?.stop();
  await admin?.disconnect();
  await broker?.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Stallscopes a test starts besides the two above: killed at the end if the test failed before it stopped them. */
const extraProcesses: StallscopeProcess[] = [];

/** MESSAGES OTLP trace requests of SPANS_PER_MESSAGE spans each, as an application's exporter sends them. */
function traceMessages(runId: string): Buffer[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `watched-app-${runId}` }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('self-tracing-e2e');
  return Array.from({ length: MESSAGES }, (_, message) => {
    exporter.reset();
    for (let span = 0; span < SPANS_PER_MESSAGE; span += 1) tracer.startSpan(`op-${message}-${span}`).end();
    return Buffer.from(traceRequestBody(exporter.getFinishedSpans()));
  });
}

interface JaegerTag {
  key: string;
  value: string | number | boolean;
}
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  /** Unix µs. */
  startTime: number;
  references: { refType: string; spanID: string }[];
  tags: JaegerTag[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
}

const tag = (tags: readonly JaegerTag[], key: string): string | undefined => {
  const found = tags.find((entry) => entry.key === key);
  return found === undefined ? undefined : String(found.value);
};

async function observedTraces(running: StallscopeProcess, query = 'service=stallscope-ingest&lookback=1h'): Promise<JaegerTrace[]> {
  const response = await fetch(`${running.url}/api/traces?${query}&limit=1000`, {
    headers: { authorization: `Bearer ${running.token}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { data: JaegerTrace[] }).data;
}

/** The observed ingest's batch spans of the spans topic, each with its trace. */
function spansTopicBatches(traces: readonly JaegerTrace[]): { batch: JaegerSpan; trace: JaegerTrace }[] {
  return traces.flatMap((trace) =>
    trace.spans
      .filter((span) => span.operationName === SelfSpan.ingestBatch && tag(span.tags, SelfSpanAttr.messagingDestination) === Topics.spans)
      .map((batch) => ({ batch, trace })),
  );
}

test('the observed ingest\'s batch spans, with offsets, counts and insert children, reach the observer', { skip: kafkaSkip, timeout: 180_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  await producer!.send(
    Topics.spans,
    traceMessages(runId).map((value) => ({ value })),
  );
  // Everything consumed and committed, then a graceful stop: the last spans go out with the SDK's flush.
  const deadline = Date.now() + 90_000;
  while ((await consumerLag(admin!, GROUP, [Topics.spans])) > 0n) {
    assert.ok(Date.now() < deadline, 'the observed ingest did not consume the messages in 90 s');
    await sleep(500);
  }
  assert.equal(await observed!.stop(), 0);

  let batches: { batch: JaegerSpan; trace: JaegerTrace }[] = [];
  const messagesIn = () => batches.reduce((sum, { batch }) => sum + Number(tag(batch.tags, SelfSpanAttr.messagingBatchCount)), 0);
  while (Date.now() < deadline) {
    batches = spansTopicBatches(await observedTraces(observer!));
    if (messagesIn() >= MESSAGES) break;
    await sleep(1_000);
  }
  assert.equal(messagesIn(), MESSAGES, 'the batch spans count every message produced, once');

  const byFirstOffset = batches.sort((a, b) => Number(tag(a.batch.tags, SelfSpanAttr.firstOffset)) - Number(tag(b.batch.tags, SelfSpanAttr.firstOffset)));
  let nextOffset = 0;
  for (const { batch, trace } of byFirstOffset) {
    const first = Number(tag(batch.tags, SelfSpanAttr.firstOffset));
    const last = Number(tag(batch.tags, SelfSpanAttr.lastOffset));
    const count = Number(tag(batch.tags, SelfSpanAttr.messagingBatchCount));
    assert.equal(first, nextOffset, 'batches cover the offsets in order, without a gap or an overlap');
    assert.equal(last - first + 1, count);
    nextOffset = last + 1;
    assert.equal(tag(batch.tags, SelfSpanAttr.messagingPartition), '0');
    assert.equal(tag(batch.tags, SelfSpanAttr.outcome), 'ingested');
    assert.equal(tag(batch.tags, SelfSpanAttr.deadLetters), '0');
    const rows = Number(tag(batch.tags, `${SelfSpanAttr.rowsPrefix}otel_traces`));
    assert.equal(rows, count * SPANS_PER_MESSAGE, 'a row per span the batch carried');
    assert.equal(batch.references.length, 0, 'a batch span is a root');
    const process = trace.processes[batch.processID]!;
    assert.equal(process.serviceName, 'stallscope-ingest');
    assert.ok(tag(process.tags, 'host.name'), 'the resource names the host');
    assert.match(tag(process.tags, 'service.version') ?? '', /^\d+\.\d+\.\d+/);

    const inserts = trace.spans.filter((span) => span.references.some((ref) => ref.refType === 'CHILD_OF' && ref.spanID === batch.spanID));
    assert.deepEqual(
      inserts.map((span) => [span.operationName, tag(span.tags, SelfSpanAttr.dbTable), Number(tag(span.tags, SelfSpanAttr.dbRows))]),
      [[SelfSpan.ingestInsert, 'otel_traces', rows]],
      'one insert span (the batch is under batchMaxRows) under its batch, with its rows',
    );
  }
  assert.equal(nextOffset, MESSAGES);
});

test('a stallscope tracing itself into its own collector settles to a constant trickle', { skip: kafkaSkip, timeout: 120_000 }, async () => {
  // Two quiet windows of three SDK flushes (5 s each): the observer's own
  // spans go round (its export span, batch span and insert span of each
  // flush, exported with the next flush), one export request per flush.
  const WINDOW_MS = 15_000;
  const startUs = Date.now() * 1000;
  await sleep(2 * WINDOW_MS + 8_000);
  const exportsIn = async (fromUs: number) => {
    const traces = await observedTraces(
      observer!,
      `service=${OBSERVER_SERVICE}&operation=${SelfSpan.collectorExport}&start=${fromUs}&end=${fromUs + WINDOW_MS * 1000}`,
    );
    return traces.flatMap((trace) => trace.spans.filter((span) => span.operationName === SelfSpan.collectorExport));
  };
  const first = await exportsIn(startUs);
  const second = await exportsIn(startUs + WINDOW_MS * 1000);
  const items = (spans: JaegerSpan[]) => spans.map((span) => Number(tag(span.tags, SelfSpanAttr.acceptedItems)));
  assert.ok(second.length >= 1, 'the observer\'s own spans keep arriving');
  assert.ok(second.length <= WINDOW_MS / 5_000 + 1, `${second.length} export requests in ${WINDOW_MS} ms: one per flush at most`);
  // Each flush carries the previous flush's export, batch and insert spans: a constant, not a growing count.
  assert.ok(Math.max(...items(second)) <= 3, `spans per export of the observer's own spans: ${items(second).join(', ')}`);
  assert.ok(items(second).reduce((a, b) => a + b, 0) <= items(first).reduce((a, b) => a + b, 0) + 3, 'no growth from one window to the next');
});

/** An SLO on a service's POST /pay spans (p99 < 20 ms per minute), alerting on a 1h fast burn. */
function payLatencySlo(service: string): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: pay-latency
spec:
  service: ${service}
  indicator:
    metadata:
      name: pay-p99
    spec:
      thresholdMetric:
        metricSource:
          type: Stallscope
          spec:
            signal: spans
            spanName: POST /pay
  budgetingMethod: Timeslices
  objectives:
    - op: lt
      value: 20
      target: 0.99
      timeSliceWindow: 1m
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: fast-burn
      spec:
        alertWhenBreaching: true
        conditions:
          - conditionRef: fast-burn-1h
        notificationTargets:
          - targetRef: on-call
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn-1h
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 0m
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: on-call
spec:
  target: http://127.0.0.1:9/hook
`;
}

/** Five 250 ms POST /pay SERVER spans of a service, three minutes ago: one whole bad minute in both burn windows. */
function slowPaySpans(service: string): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('self-tracing-e2e');
  const startMs = Date.now() - 180_000;
  for (let index = 0; index < 5; index += 1) tracer.startSpan('POST /pay', { kind: SpanKind.SERVER, startTime: startMs + index }).end(startMs + index + 250);
  return traceRequestBody(exporter.getFinishedSpans());
}

test('a query API\'s SLO evaluation rounds reach the observer: a root span each, with the alert that fired, and its SQL as children', { skip: kafkaSkip, timeout: 150_000 }, async () => {
  const runId = randomUUID().slice(0, 8);
  const appService = `paying-app-${runId}`;
  const dir = newDataDir();
  const sloFile = join(dir, 'pay-latency.yaml');
  writeFileSync(sloFile, payLatencySlo(appService));
  const evaluating = await startStallscope(
    'collector,ingest,query-api',
    {
      STALLSCOPE_SLO_FILES: sloFile,
      STALLSCOPE_SLO_EVALUATION_INTERVAL_MS: '1000',
      STALLSCOPE_SELF_TRACING_TRACES_ENDPOINT: observer!.otlpGrpc!,
      STALLSCOPE_SELF_TRACING_SERVICE_NAME: SLO_EVALUATOR_SERVICE,
    },
    dir,
  );
  extraProcesses.push(evaluating);
  await postOtlp(`${evaluating.otlpHttp}/v1/traces`, slowPaySpans(appService));
  const deadline = Date.now() + 90_000;
  while ((await observedTraces(evaluating, `service=${appService}&lookback=1h`)).length === 0) {
    assert.ok(Date.now() < deadline, 'the application spans were not stored in 90 s');
    await sleep(500);
  }
  // Rounds (one a second) reach the observer with each SDK flush (5 s): wait
  // for the round that fired the alert and one after it that kept it firing.
  type Round = { span: JaegerSpan; trace: JaegerTrace };
  let rounds: Round[] = [];
  const firedIn = () => rounds.filter(({ span }) => tag(span.tags, SelfSpanAttr.alertsChanged) === '1');
  const heldIn = () => rounds.filter(({ span }) => tag(span.tags, SelfSpanAttr.alertsFiring) === '1' && tag(span.tags, SelfSpanAttr.alertsChanged) === '0');
  while (firedIn().length === 0 || heldIn().length === 0) {
    assert.ok(Date.now() < deadline, `no round that fired the alert and one that held it in 90 s: ${rounds.length} rounds`);
    await sleep(1_000);
    rounds = (await observedTraces(observer!, `service=${SLO_EVALUATOR_SERVICE}&operation=${SelfSpan.sloEvaluate}&lookback=1h`)).flatMap((trace) =>
      trace.spans.filter((span) => span.operationName === SelfSpan.sloEvaluate).map((span) => ({ span, trace })),
    );
  }
  assert.equal(await evaluating.stop(), 0);
  rounds.sort((a, b) => a.span.startTime - b.span.startTime);
  assert.equal(firedIn().length, 1, `the alert fired in one round: ${rounds.length} rounds`);
  const figures = rounds.map(({ span }) => [
    tag(span.tags, SelfSpanAttr.slosEvaluated),
    tag(span.tags, SelfSpanAttr.slosFailed),
    tag(span.tags, SelfSpanAttr.alertsFiring),
    tag(span.tags, SelfSpanAttr.alertsChanged),
    tag(span.tags, SelfSpanAttr.outcome),
  ]);
  // Resolved until the spans were stored, firing from the round that saw them on: one change.
  // (A flush may still be on its way: the rounds arrived so far are a prefix of them all.)
  const firstFiring = figures.findIndex(([, , firing]) => firing === '1');
  assert.ok(firstFiring >= 0);
  assert.deepEqual(figures, [
    ...Array.from({ length: firstFiring }, () => ['1', '0', '0', '0', SloEvaluateOutcome.evaluated]),
    ['1', '0', '1', '1', SloEvaluateOutcome.evaluated],
    ...Array.from({ length: figures.length - firstFiring - 1 }, () => ['1', '0', '1', '0', SloEvaluateOutcome.evaluated]),
  ]);

  for (const { span, trace } of rounds) {
    assert.equal(span.references.length, 0, 'a round is a root');
    assert.equal(trace.processes[span.processID]?.serviceName, SLO_EVALUATOR_SERVICE);
    const queries = trace.spans.filter((child) => child.references.some((ref) => ref.refType === 'CHILD_OF' && ref.spanID === span.spanID));
    const texts = queries.map((query) => tag(query.tags, SelfSpanAttr.dbQueryText) ?? '');
    assert.ok(queries.every((query) => query.operationName === SelfSpan.queryApiSql), 'its children are its SQL queries');
    assert.equal(texts.filter((text) => /\bFROM stallscope_slos\b/.test(text)).length, 1, `the catalog's query: ${texts.join('\n---\n')}`);
    assert.ok(texts.some((text) => /\bFROM otel_traces\b/.test(text)), 'the indicator read the spans');
    for (const text of texts) assert.ok(!text.includes(runId), `the service, a bound value, is not in the text: ${text}`);
  }
});
