// Our Kafka topics are the OpenTelemetry Collector's (DESIGN.md; issue 7),
// proved both ways against a real Collector v0.155.0: its kafka receiver
// decodes what our agent produces, and our ingest stores what its kafka
// exporter produces (otlp_spans / otlp_metrics, encoding otlp_proto).
// Starts: one single-node Apache Kafka broker (infra/kafka); the Collector
// built by infra/otelcol/otelcol.sh, three times (kafka receiver -> file
// exporter; otlp receiver -> kafka exporter without and with partitioning
// keys); in this process our Kafka transport and an ingest over embedded chDB.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Registry, createLogger } from '@stallscope/common';
import { createIngest, decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest, ingestConfigDefaults } from '@stallscope/ingest';
import { AGENT_SCOPE_NAME, Metrics, TOPIC_ENCODING, Topics } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { createKafkaTransport, kafkaTransportConfigDefaults, type DeliveredMessage, type Transport, type TransportProducer } from '@stallscope/transport';
import { agentInterval, type AgentInterval } from './fixtures/agent-interval.js';
import {
  APP_SCOPE,
  RESOURCE_SCHEMA_URL,
  applicationTelemetry,
  metricsRequestBody,
  postOtlp,
  traceRequestBody,
  type ApplicationTelemetry,
} from './fixtures/application-telemetry.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import {
  COLLECTOR_BUILD_TIMEOUT_MS,
  buildCollector,
  collectorSkipReason,
  freePort,
  startCollector,
  type RunningCollector,
} from './fixtures/otel-collector.js';
import {
  readCollectorMetrics,
  readCollectorSpans,
  type CollectorExponentialHistogramPoint,
  type CollectorSpan,
  type TypedValue,
} from './fixtures/otlp-json.js';

const skipReason = kafkaSkipReason() ?? collectorSkipReason();
if (skipReason) console.log(`skipping OpenTelemetry Collector interop: ${skipReason}`);

const runId = randomUUID().slice(0, 8);
const logger = createLogger('silent');
const ingestMetrics = new Registry();
let collectorBinary = '';
let broker: KafkaBroker | undefined;
let transport: Transport | undefined;
let producer: TransportProducer | undefined;
let store: Store | undefined;
let stopIngest: (() => Promise<void>) | undefined;
let dataDir: string | undefined;

before(
  async () => {
    if (skipReason) return;
    const started = Date.now();
    collectorBinary = await buildCollector();
    console.log(`Collector binary ready in ${Date.now() - started} ms`);
    broker = await startKafkaBroker();
    transport = createKafkaTransport(
      { ...kafkaTransportConfigDefaults, brokers: broker.brokers, clientId: 'otelcol-interop' },
      { logger, metrics: new Registry() },
    );
    // Its start creates the topics (3 partitions each), as the agent's does.
    producer = transport.createProducer();
    await producer.start();
    dataDir = mkdtempSync(join(tmpdir(), 'stallscope-otelcol-interop-'));
    store = createStore({ ...storeConfigDefaults, chdbPath: join(dataDir, 'chdb') }, { logger });
    await store.start();
    const ingest = createIngest(ingestConfigDefaults, {
      logger,
      metrics: ingestMetrics,
      store,
      consumer: transport.createConsumer(`interop-ingest-${runId}`),
    });
    await ingest.start();
    stopIngest = () => ingest.stop();
  },
  { timeout: COLLECTOR_BUILD_TIMEOUT_MS + 240_000 },
);

after(async () => {
  await stopIngest?.();
  await producer?.stop();
  await store?.stop();
  await broker?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(200);
  }
}

const nanosOf = (time: HrTime) => (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();

/** How the JS SDK's serializer types an attribute value (integral numbers as int). */
function typed(value: AttributeValue | null | undefined): TypedValue {
  if (typeof value === 'string') return { string: value };
  if (typeof value === 'boolean') return { bool: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: String(value) } : { double: value };
  if (Array.isArray(value)) return { array: value.map(typed) };
  return { empty: true };
}

const typedAll = (attributes: Attributes) => Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, typed(value)]));

/** A span as the Collector must have decoded it: what the SDK object holds, in OTLP's terms. */
function asDecoded(span: ReadableSpan): CollectorSpan {
  const context = span.spanContext();
  return {
    resource: typedAll(span.resource.attributes),
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version ?? '' },
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    traceState: context.traceState?.serialize() ?? '',
    // W3C trace flags plus OTLP's "has is_remote" bit, which the SDK always sets.
    flags: context.traceFlags | 0x100,
    name: span.name,
    // OTLP's enum starts at UNSPECIFIED; the API's at INTERNAL.
    kind: span.kind + 1,
    startTimeUnixNano: nanosOf(span.startTime),
    endTimeUnixNano: nanosOf(span.endTime),
    attributes: typedAll(span.attributes),
    status: { code: span.status.code, message: span.status.message ?? '' },
    events: span.events.map((event) => ({ timeUnixNano: nanosOf(event.time), name: event.name, attributes: typedAll(event.attributes ?? {}) })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      traceState: link.context.traceState?.serialize() ?? '',
      attributes: typedAll(link.attributes ?? {}),
    })),
  };
}

/** The point the Collector must have decoded for one delta of the agent's histograms. */
function agentPointAsDecoded(interval: AgentInterval, metricName: string, deltaIndex: number): CollectorExponentialHistogramPoint {
  const descriptor = Object.values(Metrics).find((metric) => metric.name === metricName)!;
  const delta = interval.deltasByMetric.get(metricName)![deltaIndex]!;
  const indexes = [...delta.bucketCounts.keys()];
  const offset = Math.min(...indexes);
  const dense = Array.from({ length: Math.max(...indexes) - offset + 1 }, (_, i) => String(delta.bucketCounts.get(offset + i) ?? 0));
  return {
    resource: { 'service.name': { string: delta.serviceName }, 'host.name': { string: interval.hostName } },
    scope: { name: AGENT_SCOPE_NAME, version: '' },
    // Delta temporality is 1 in OTLP.
    metric: { name: descriptor.name, unit: descriptor.unit, description: descriptor.description, aggregationTemporality: 1 },
    attributes: typedAll(delta.attributes),
    startTimeUnixNano: nanosOf(interval.startTime),
    timeUnixNano: nanosOf(interval.endTime),
    count: String(delta.count),
    sum: delta.sumNs,
    scale: 0,
    zeroCount: String(delta.zeroCount),
    positive: { offset, bucketCounts: dense },
    negative: { offset: 0, bucketCounts: [] },
    // The kernel keeps no minimum, so the agent sends none.
    min: undefined,
    max: delta.maxNs,
  };
}

const pointKey = (point: { metric: { name: string }; resource: Record<string, TypedValue>; attributes: Record<string, TypedValue> }) =>
  JSON.stringify([point.metric.name, point.resource['service.name'], Object.entries(point.attributes).sort()]);

/** The kafka receiver logs "failed to unmarshal message" at error level for a payload it cannot decode. */
function assertNoDecodeErrors(collector: RunningCollector): void {
  const quiet = new Set(['debug', 'info', 'warn']);
  const problems = collector.logs.filter((entry) => !quiet.has(entry.level) || /unmarshal/i.test(entry.msg));
  assert.deepEqual(problems, [], 'the Collector logged no errors and no decode failures');
}

describe('OpenTelemetry Collector v0.155.0 interop over a real broker', { skip: skipReason, timeout: 300_000 }, () => {
  test("the Collector's kafka receiver decodes the agent's spans and histograms field by field", async () => {
    const interval = agentInterval(runId);
    // The same interval split under a small message bound, as the agent splits a large one.
    const split = agentInterval(`${runId}-split`, 900);
    assert.equal(interval.traceMessages.length, 1, 'one trace message per interval under the default bound');
    assert.equal(interval.metricMessages.length, 1, "one metrics message holding every service's resources");
    assert.ok(split.traceMessages.length > 1 && split.metricMessages.length > 1, 'the small bound splits both');

    const collector = await startCollector(collectorBinary, (dir) => ({
      receivers: {
        kafka: {
          brokers: broker!.brokers,
          group_id: `otelcol-interop-${runId}`,
          initial_offset: 'earliest',
          traces: { topics: [Topics.spans], encoding: TOPIC_ENCODING },
          metrics: { topics: [Topics.metrics], encoding: TOPIC_ENCODING },
        },
      },
      exporters: {
        'file/traces': { path: join(dir, 'traces.jsonl'), flush_interval: '100ms' },
        'file/metrics': { path: join(dir, 'metrics.jsonl'), flush_interval: '100ms' },
        debug: { verbosity: 'basic' },
      },
      service: {
        pipelines: {
          traces: { receivers: ['kafka'], exporters: ['file/traces', 'debug'] },
          metrics: { receivers: ['kafka'], exporters: ['file/metrics', 'debug'] },
        },
      },
    }));
    try {
      // As the agent sends: one send per encoded request.
      for (const { traceMessages, metricMessages } of [interval, split]) {
        for (const value of traceMessages) await producer!.send(Topics.spans, [{ value }]);
        for (const value of metricMessages) await producer!.send(Topics.metrics, [{ value }]);
      }
      const sentSpans = [...interval.spans, ...split.spans];
      const sentIds = new Set(sentSpans.map((span) => span.spanContext().spanId));
      const decodedSpans = await until(
        () => readCollectorSpans(join(collector.dir, 'traces.jsonl')).filter((span) => sentIds.has(span.spanId)),
        (spans) => spans.length >= sentSpans.length,
        'the Collector to write every span',
      );
      assert.equal(decodedSpans.length, sentSpans.length, 'each span once');
      for (const sent of sentSpans) {
        const decoded = decodedSpans.find((span) => span.spanId === sent.spanContext().spanId);
        assert.deepEqual(decoded, asDecoded(sent), `span ${sent.name} (${sent.spanContext().spanId})`);
      }
      // Spot checks against the agent's inputs rather than its objects.
      const flock = decodedSpans.find((span) => span.spanId === interval.spans[0]!.spanContext().spanId)!;
      assert.equal(BigInt(flock.endTimeUnixNano) - BigInt(flock.startTimeUnixNano), 13_000_001n, 'nanosecond duration');
      assert.deepEqual(flock.status, { code: 2, message: 'EAGAIN' });
      assert.deepEqual(flock.attributes['stallscope.syscall.errno'], { string: 'EAGAIN' });
      assert.deepEqual(flock.resource['process.pid'], { int: '4242' });
      assert.deepEqual(flock.attributes['stallscope.user_stack'], {
        array: [{ string: 'syscall.Flock' }, { string: 'main.(*store).append' }, { string: 'main.handle' }],
      });

      const sentPoints = [interval, split].flatMap((sent) =>
        [...sent.deltasByMetric].flatMap(([metricName, deltas]) => deltas.map((_, i) => agentPointAsDecoded(sent, metricName, i))),
      );
      const sentKeys = new Set(sentPoints.map(pointKey));
      const decodedMetrics = await until(
        () => readCollectorMetrics(join(collector.dir, 'metrics.jsonl')),
        (metrics) => metrics.exponentialHistogramPoints.filter((point) => sentKeys.has(pointKey(point))).length >= sentPoints.length,
        'the Collector to write every histogram point',
      );
      assert.deepEqual(decodedMetrics.otherMetricNames, [], 'the agent sends exponential histograms only');
      const decodedPoints = decodedMetrics.exponentialHistogramPoints.filter((point) => sentKeys.has(pointKey(point)));
      assert.equal(decodedPoints.length, sentPoints.length, 'each point once');
      for (const sent of sentPoints) {
        assert.deepEqual(decodedPoints.find((point) => pointKey(point) === pointKey(sent)), sent, `point ${pointKey(sent)}`);
      }
      const flockKey = pointKey(agentPointAsDecoded(interval, Metrics.syscallDuration.name, 0));
      const flockPoint = decodedPoints.find((point) => pointKey(point) === flockKey)!;
      assert.deepEqual(flockPoint.positive, { offset: 20, bucketCounts: ['4', '0', '0', '3', '0', '2'] }, 'kernel log2 buckets 20..25 at scale 0');
      assertNoDecodeErrors(collector);
    } finally {
      await collector.stop();
    }
  });

  for (const partitioned of [false, true]) {
    const variant = partitioned ? 'partition_traces_by_id and partition_metrics_by_resource_attributes' : 'no partitioning keys';
    test(`our ingest stores what the Collector's kafka exporter produces (${variant})`, async () => {
      const app = applicationTelemetry(`${runId}-${partitioned ? 'keyed' : 'unkeyed'}`);
      const port = await freePort();
      const collector = await startCollector(collectorBinary, () => ({
        receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
        exporters: {
          kafka: {
            brokers: broker!.brokers,
            traces: { topic: Topics.spans, encoding: TOPIC_ENCODING },
            metrics: { topic: Topics.metrics, encoding: TOPIC_ENCODING },
            partition_traces_by_id: partitioned,
            partition_metrics_by_resource_attributes: partitioned,
          },
          debug: { verbosity: 'basic' },
        },
        service: {
          pipelines: {
            traces: { receivers: ['otlp'], exporters: ['kafka', 'debug'] },
            metrics: { receivers: ['otlp'], exporters: ['kafka', 'debug'] },
          },
        },
      }));
      try {
        await postOtlp(`http://127.0.0.1:${port}/v1/traces`, traceRequestBody(app.spans));
        await postOtlp(`http://127.0.0.1:${port}/v1/metrics`, metricsRequestBody(app.resourceMetrics));
        await assertTracesStored(app);
        await assertHistogramsStored(app);
        await assertMessageKeys(app, partitioned);
        assertNoDecodeErrors(collector);
      } finally {
        await collector.stop();
      }
      assert.equal(await counterTotal('stallscope_ingest_dead_letters_total'), 0, 'the ingest decoded every message');
      assert.equal(await counterTotal('stallscope_ingest_metrics_without_data_total'), 0, 'every metric carried data the ingest stores');
    });
  }
});

async function select<T>(query: string): Promise<T[]> {
  const result = await store!.client.query({
    query,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return result.json<T>();
}

async function counterTotal(name: string): Promise<number> {
  const { values } = await ingestMetrics.getSingleMetric(name)!.get();
  return values.reduce((total, sample) => total + sample.value, 0);
}

const sqlList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

async function assertTracesStored(app: ApplicationTelemetry): Promise<void> {
  const rows = await until(
    () =>
      select<Record<string, unknown>>(`
        SELECT * EXCEPT (Timestamp, \`Events.Timestamp\`),
          toString(toUnixTimestamp64Nano(Timestamp)) AS TimestampNs,
          arrayMap(t -> toString(toUnixTimestamp64Nano(t)), \`Events.Timestamp\`) AS EventTimestampsNs
        FROM otel_traces WHERE TraceId IN (${sqlList(app.traceIds)}) ORDER BY TimestampNs`),
    (candidate) => candidate.length >= app.spans.length,
    'the ingest to store every span',
  );
  const [serverId, clientId, consumerId] = app.spans.map((span) => span.spanContext().spanId);
  const [checkoutTraceId, ledgerTraceId] = app.traceIds;
  const checkoutResource = {
    'service.name': app.checkoutService,
    'service.version': '1.4.2',
    'host.name': 'app-host-1',
    'process.pid': '4242',
    'telemetry.sdk.language': 'nodejs',
  };
  const none = { 'Events.Name': [], 'Events.Attributes': [], EventTimestampsNs: [], 'Links.TraceId': [], 'Links.SpanId': [], 'Links.TraceState': [], 'Links.Attributes': [] };
  assert.deepEqual(rows, [
    {
      TraceId: checkoutTraceId,
      SpanId: serverId,
      ParentSpanId: '',
      TraceState: 'vendor=abc,other=xyz',
      SpanName: 'POST /checkout',
      SpanKind: 'Server',
      ServiceName: app.checkoutService,
      ResourceAttributes: checkoutResource,
      ScopeName: APP_SCOPE.name,
      ScopeVersion: APP_SCOPE.version,
      SpanAttributes: {
        'http.request.method': 'POST',
        'http.response.status_code': '503',
        'retry.ratio': '0.25',
        'cache.hit': 'false',
        'db.peers': '["db-1","db-2"]',
        'retry.delays_ms': '[10,20,40]',
      },
      Duration: String(BigInt(app.nanos.serverEnd) - BigInt(app.nanos.serverStart)),
      StatusCode: 'Error',
      StatusMessage: 'payment declined',
      'Events.Name': ['exception'],
      'Events.Attributes': [{ 'exception.type': 'PaymentDeclined', 'exception.escaped': 'true' }],
      'Links.TraceId': [ledgerTraceId],
      'Links.SpanId': [consumerId],
      'Links.TraceState': ['link=1'],
      'Links.Attributes': [{ 'link.reason': 'follows-from', 'link.order': '2' }],
      TimestampNs: app.nanos.serverStart,
      EventTimestampsNs: [app.nanos.eventTime],
    },
    {
      ...none,
      TraceId: checkoutTraceId,
      SpanId: clientId,
      ParentSpanId: serverId,
      TraceState: 'vendor=abc,other=xyz',
      SpanName: 'SELECT orders',
      SpanKind: 'Client',
      ServiceName: app.checkoutService,
      ResourceAttributes: checkoutResource,
      ScopeName: APP_SCOPE.name,
      ScopeVersion: APP_SCOPE.version,
      SpanAttributes: { 'db.system.name': 'postgresql', 'db.response.returned_rows': '12' },
      Duration: String(BigInt(app.nanos.clientEnd) - BigInt(app.nanos.clientStart)),
      StatusCode: 'Ok',
      StatusMessage: '',
      TimestampNs: app.nanos.clientStart,
    },
    {
      ...none,
      TraceId: ledgerTraceId,
      SpanId: consumerId,
      ParentSpanId: '',
      TraceState: '',
      SpanName: 'ledger consume',
      SpanKind: 'Consumer',
      ServiceName: app.ledgerService,
      ResourceAttributes: { 'service.name': app.ledgerService, 'host.name': 'app-host-2' },
      ScopeName: APP_SCOPE.name,
      ScopeVersion: APP_SCOPE.version,
      SpanAttributes: { 'messaging.system': 'kafka' },
      Duration: String(BigInt(app.nanos.consumerEnd) - BigInt(app.nanos.consumerStart)),
      StatusCode: 'Unset',
      StatusMessage: '',
      TimestampNs: app.nanos.consumerStart,
    },
  ]);
}

async function assertHistogramsStored(app: ApplicationTelemetry): Promise<void> {
  const rows = await until(
    () =>
      select<Record<string, unknown>>(`
        SELECT * EXCEPT (StartTimeUnix, TimeUnix, \`Exemplars.TimeUnix\`),
          toString(toUnixTimestamp64Nano(StartTimeUnix)) AS StartTimeNs,
          toString(toUnixTimestamp64Nano(TimeUnix)) AS TimeNs,
          \`Exemplars.TimeUnix\` AS ExemplarTimes
        FROM otel_metrics_exponential_histogram
        WHERE ServiceName IN (${sqlList([app.checkoutService, app.ledgerService])}) ORDER BY MetricName`),
    (candidate) => candidate.length >= 2,
    'the ingest to store both histogram points',
  );
  const common = {
    ResourceSchemaUrl: RESOURCE_SCHEMA_URL,
    ScopeName: APP_SCOPE.name,
    ScopeVersion: APP_SCOPE.version,
    ScopeAttributes: {},
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    'Exemplars.FilteredAttributes': [],
    'Exemplars.Value': [],
    'Exemplars.SpanId': [],
    'Exemplars.TraceId': [],
    ExemplarTimes: [],
    Flags: 0,
    StartTimeNs: app.nanos.pointStart,
    TimeNs: app.nanos.pointEnd,
  };
  assert.deepEqual(rows, [
    {
      ...common,
      ResourceAttributes: {
        'service.name': app.checkoutService,
        'service.version': '1.4.2',
        'host.name': 'app-host-1',
        'process.pid': '4242',
        'telemetry.sdk.language': 'nodejs',
      },
      ServiceName: app.checkoutService,
      MetricName: 'http.server.request.duration',
      MetricDescription: 'Duration of HTTP server requests',
      MetricUnit: 's',
      Attributes: { 'http.route': '/checkout', 'http.response.status_code': '200' },
      Count: '10',
      Sum: 12.5,
      Scale: 3,
      ZeroCount: '2',
      PositiveOffset: -2,
      PositiveBucketCounts: ['1', '0', '4', '2'],
      NegativeOffset: 1,
      NegativeBucketCounts: ['1'],
      Min: -3,
      Max: 9.75,
      AggregationTemporality: 1,
    },
    {
      ...common,
      ResourceAttributes: { 'service.name': app.ledgerService, 'host.name': 'app-host-2' },
      ServiceName: app.ledgerService,
      MetricName: 'queue.lag',
      MetricDescription: 'Lag behind the queue head',
      MetricUnit: 'ms',
      Attributes: { 'queue.name': 'ledger' },
      Count: '4',
      Sum: 40,
      Scale: -1,
      ZeroCount: '0',
      PositiveOffset: 0,
      PositiveBucketCounts: ['3', '1'],
      NegativeOffset: 0,
      NegativeBucketCounts: [],
      Min: 1,
      Max: 30,
      AggregationTemporality: 2,
    },
  ]);
}

/** The messages on a topic whose payload `holds` says are this run's, read from the start by a fresh group. */
async function messagesOf(topic: string, holds: (message: DeliveredMessage) => boolean, expected: number): Promise<DeliveredMessage[]> {
  const found: DeliveredMessage[] = [];
  const consumer = transport!.createConsumer(`interop-keys-${randomUUID()}`);
  consumer.subscribe(topic, async (batch) => void found.push(...batch.filter(holds)));
  await consumer.start();
  try {
    await until(() => found.length, (count) => count >= expected, `${expected} messages on ${topic}`);
    // Anything more would show up within a fetch or two.
    await sleep(1_000);
    return [...found];
  } finally {
    await consumer.stop();
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function traceIdsOf(message: DeliveredMessage): string[] {
  const request = decodeExportTraceServiceRequest(message.value);
  const ids = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => hex(span.traceId))));
  return [...new Set(ids)];
}

function serviceNamesOf(message: DeliveredMessage): string[] {
  const request = decodeExportMetricsServiceRequest(message.value);
  return request.resourceMetrics.flatMap((rm) =>
    rm.resource.attributes.filter((kv) => kv.key === 'service.name').map((kv) => (kv.value.type === 'string' ? kv.value.value : '')),
  );
}

/**
 * With partitioning, the exporter splits a request per trace (key: the trace
 * id in hex) and per resource (key: a hash of its attributes); without, one
 * message per request and no key.
 */
async function assertMessageKeys(app: ApplicationTelemetry, partitioned: boolean): Promise<void> {
  const ours = new Set(app.traceIds);
  const traceMessages = await messagesOf(Topics.spans, (m) => traceIdsOf(m).some((id) => ours.has(id)), partitioned ? 2 : 1);
  if (partitioned) {
    assert.equal(traceMessages.length, 2, 'one message per trace');
    for (const message of traceMessages) {
      const ids = traceIdsOf(message);
      assert.equal(ids.length, 1, 'a single trace per message');
      assert.equal(message.key?.toString(), ids[0], 'keyed by the trace id in hex');
    }
  } else {
    assert.equal(traceMessages.length, 1, 'the request as one message');
    assert.deepEqual(traceIdsOf(traceMessages[0]!).sort(), [...app.traceIds].sort());
    assert.equal(traceMessages[0]!.key, undefined, 'no key');
  }

  const services = new Set([app.checkoutService, app.ledgerService]);
  const metricMessages = await messagesOf(Topics.metrics, (m) => serviceNamesOf(m).some((name) => services.has(name)), partitioned ? 2 : 1);
  if (partitioned) {
    assert.equal(metricMessages.length, 2, 'one message per resource');
    for (const message of metricMessages) {
      assert.equal(serviceNamesOf(message).length, 1, 'a single resource per message');
      assert.ok((message.key?.length ?? 0) > 0, 'keyed by the resource');
    }
    assert.notEqual(metricMessages[0]!.key?.toString('hex'), metricMessages[1]!.key?.toString('hex'), 'distinct resources, distinct keys');
  } else {
    assert.equal(metricMessages.length, 1, 'the request as one message');
    assert.equal(metricMessages[0]!.key, undefined, 'no key');
  }
}
