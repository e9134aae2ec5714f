// Real component: the chDB engine (embedded ClickHouse) through createStore,
// one store for the whole file (chDB allows one data path per process).
// The transport is a fake consumer/producer implementing the interface.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HrTime } from '@opentelemetry/api';
import { Registry, createLogger } from '@stallscope/common';
import { DeadLetterHeaders, Topics } from '@stallscope/schemas';
import { checkDiskFloor, createStore, freeBytes, storeConfigDefaults, type Store } from '@stallscope/store';
import { INSERT_FORMATS, ingestConfigDefaults, type IngestConfig } from './config.js';
import { fakeConsumer, fakeProducer } from './fake-transport.js';
import { createIngest } from './ingest.js';
import { logRows } from './log-rows.js';
import { metricRows } from './metric-rows.js';
import { decodeExportLogsServiceRequest, decodeExportMetricsServiceRequest } from './otlp-decode.js';
import { otlpMessageTypes, otlpRawStringTypes } from './otlp-schema.js';
import {
  POINT_START_NS,
  TRACE_ID,
  appLogRecords,
  everyMetricKindRequest,
  hrTimeNanos,
  serializeLogs,
  serializeLogsJson,
  serializeMetrics,
  serializeMetricsJson,
  serializeSpans,
  slowSyscallSpan,
  syscallDurationMetrics,
} from './otlp-fixtures.js';
import { Tables } from './rows.js';
import { StoredMap } from './stored-map.js';

const logger = createLogger('silent');
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-ingest-test-'));
const store: Store = createStore({ ...storeConfigDefaults, url: '', chdbPath: join(dataDir, 'chdb') }, { logger });

// Recent times: the tables' TTLs may drop parts of rows that are already expired.
const nowSeconds = Math.floor(Date.now() / 1000);
const spanStart: HrTime = [nowSeconds - 120, 123_456_789];
const spanEnd: HrTime = [nowSeconds - 119, 23_456_789];
const eventTime: HrTime = [nowSeconds - 120, 500_000_001];
const minuteStart = Math.floor((nowSeconds - 600) / 60) * 60;
/** Moves the every-kind fixture's points to five minutes ago. */
const recentShiftNs = BigInt(nowSeconds - 300) * 1_000_000_000n - POINT_START_NS;

/** What a test ingest differs in from the defaults. */
interface TestIngestOptions {
  /** The store's client (to inject failures around real inserts). */
  client?: Store['client'];
  /** The store's free-space check. */
  checkWritable?: () => void;
  config?: Partial<IngestConfig>;
}

/** An ingest over a fake consumer and producer, the producer started first as the launcher does. */
async function createTestIngest({ client = store.client, checkWritable = () => store.checkWritable(), config = {} }: TestIngestOptions = {}) {
  const metrics = new Registry();
  const consumer = fakeConsumer();
  const deadLetter = fakeProducer();
  await deadLetter.start();
  const ingest = createIngest(
    { ...ingestConfigDefaults, insertRetryInitialBackoffMs: 10, ...config },
    { logger, metrics, store: storeWithClient(client, checkWritable), consumer, deadLetter },
  );
  return { ingest, metrics, consumer, deadLetter };
}

/** The file's store, its client (to inject failures around real inserts) and its free-space check replaced. */
function storeWithClient(client: Store['client'], checkWritable: () => void): Store {
  return {
    kind: store.kind,
    insertFileDir: store.insertFileDir,
    checkWritable,
    diskSpace: () => store.diskSpace(),
    start: store.start,
    stop: store.stop,
    get client() {
      return client;
    },
  };
}

async function counterValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} registered`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
  return match?.value ?? 0;
}

async function select<T>(query: string): Promise<T[]> {
  const result = await store.client.query({
    query,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return result.json<T>();
}

/** The stored columns of a table (not the computed ones), in order. */
async function storedColumns(table: string): Promise<{ name: string; type: string }[]> {
  return select<{ name: string; type: string }>(
    `SELECT name, type FROM system.columns
     WHERE database = currentDatabase() AND table = '${table}' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS')
     ORDER BY position`,
  );
}

const DATETIME64 = 'DateTime64(9)';
const DATETIME64_ARRAY = 'Array(DateTime64(9))';

/**
 * The rows of a table as JSON, DateTime64 columns as nanoseconds since the
 * epoch (independent of the time zone), 64-bit integers quoted and NaN or the
 * infinities as the words we insert them with.
 */
async function storedRows(table: string, where: string): Promise<Record<string, unknown>[]> {
  const columns = (await storedColumns(table)).map(({ name, type }) => {
    const column = `\`${name}\``;
    if (type === DATETIME64) return `toString(toUnixTimestamp64Nano(${column})) AS ${column}`;
    if (type === DATETIME64_ARRAY) return `arrayMap(t -> toString(toUnixTimestamp64Nano(t)), ${column}) AS ${column}`;
    return column;
  });
  const result = await store.client.query({
    query: `SELECT ${columns.join(', ')} FROM ${table} WHERE ${where}`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1, output_format_json_quote_denormals: 1 },
  });
  return sortedRows(await result.json<Record<string, unknown>>());
}

/** "<seconds>.<nanoseconds>" as nanoseconds since the epoch. */
function nanosText(secondsDotNanos: string): string {
  const [seconds = '', nanos = ''] = secondsDotNanos.split('.');
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}

/** Inserted rows the way storedRows reads them back: every stored column, times in nanoseconds, in the same order. */
async function asStored(table: string, rows: readonly object[]): Promise<Record<string, unknown>[]> {
  const columns = await storedColumns(table);
  const stored = rows.map((row) =>
    Object.fromEntries(
      columns.map(({ name, type }) => {
        const value: unknown = (row as Record<string, unknown>)[name];
        if (type === DATETIME64) return [name, nanosText(value as string)];
        if (type === DATETIME64_ARRAY) return [name, (value as string[]).map(nanosText)];
        // JSONEachRow reads a map back as an object; these rows repeat no key.
        if (value instanceof StoredMap) return [name, Object.fromEntries(value.entries)];
        if (Array.isArray(value)) return [name, value.map((item: unknown) => (item instanceof StoredMap ? Object.fromEntries(item.entries) : item))];
        return [name, value];
      }),
    ),
  );
  assert.deepEqual(
    columns.map(({ name }) => name).filter((name) => rows.some((row) => !(name in row))),
    [],
    `${table}: every stored column is filled`,
  );
  return sortedRows(stored);
}

/** Rows in one order, whatever order they were read or built in. */
function sortedRows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function histogramRequest(serviceName: string, hostName: string) {
  return serializeMetrics(
    syscallDurationMetrics({
      serviceName,
      hostName,
      startTime: [minuteStart, 0],
      endTime: [minuteStart + 10, 999_999_999],
      points: [
        { syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1.1e6, maxNs: 7.9e6 },
        { syscall: 'futex', waitClass: 'idle', offset: 30, counts: [4], sumNs: 6e9, minNs: 1.2e9, maxNs: 1.9e9 },
      ],
    }),
  );
}

before(() => store.start());
after(async () => {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ingest over chDB', () => {
  it('stops before start, and stops twice; owns the consumer, not the dead-letter producer', async () => {
    const unstarted = await createTestIngest();
    await unstarted.ingest.stop();
    await unstarted.ingest.stop();
    assert.equal(unstarted.consumer.started, false);
    const { ingest, consumer, deadLetter } = await createTestIngest();
    await ingest.start();
    assert.equal(consumer.started, true);
    await ingest.stop();
    await ingest.stop();
    assert.equal(consumer.stopped, true);
    assert.equal(deadLetter.stopped, false);
  });

  it('writes spans to otel_traces with exact nanosecond times', async () => {
    const { ingest, consumer, metrics } = await createTestIngest();
    await ingest.start();
    await consumer.deliver(Topics.spans, [
      { value: serializeSpans([slowSyscallSpan({ startTime: spanStart, endTime: spanEnd, eventTime })]) },
    ]);
    await ingest.stop();

    const rows = await select<Record<string, unknown>>(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS StartNs, TraceId, SpanId, ParentSpanId, TraceState,
              SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
              Duration, StatusCode, StatusMessage,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventNs, Events.Name,
              Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes
       FROM otel_traces WHERE TraceId = '${TRACE_ID}'`,
    );
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.equal(row?.StartNs, String(hrTimeNanos(spanStart)));
    assert.deepEqual(row?.EventNs, [String(hrTimeNanos(eventTime))]);
    assert.equal(row?.Duration, '900000000');
    assert.equal(row?.SpanKind, 'Server');
    assert.equal(row?.StatusCode, 'Error');
    assert.equal(row?.ServiceName, 'checkout');
    assert.equal(row?.ParentSpanId, '00f067aa0ba902b7');
    assert.deepEqual(row?.ResourceAttributes, { 'service.name': 'checkout', 'host.name': 'host-a', 'process.pid': '4242' });
    assert.equal((row?.SpanAttributes as Record<string, string>)['stallscope.test.large_int'], '1152921504606846976');
    assert.deepEqual(row?.['Events.Name'], ['lock acquired']);
    assert.deepEqual(row?.['Links.TraceId'], ['4bf92f3577b34da6a3ce929d0e0e4736']);
    assert.deepEqual(row?.['Links.Attributes'], [{ 'link.reason': 'follows' }]);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_rows_inserted_total', { table: 'otel_traces' }), 1);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_messages_total', { topic: Topics.spans, outcome: 'ingested' }), 1);
  });

  it('writes an agent\'s spans straight from protobuf to RowBinary, stored as the decoded way stores them', async () => {
    // The agent's spans: no events or links. One ingest writes them the direct way (RowBinary,
    // the default), one the decoded way (JSONEachRow); only the trace ids differ.
    const agentSpans = (traceId: string) => {
      const span = slowSyscallSpan({ traceId, startTime: spanStart, endTime: spanEnd });
      return serializeSpans([{ ...span, events: [], links: [] }, { ...span, name: 'syscall futex', events: [], links: [] }]);
    };
    const ways = [
      { insertFormat: 'RowBinary', traceId: '11111111111111111111111111111111', direct: 1 },
      { insertFormat: 'JSONEachRow', traceId: '22222222222222222222222222222222', direct: 0 },
    ] as const;
    const stored = [];
    for (const [index, way] of ways.entries()) {
      const { ingest, consumer, metrics } = await createTestIngest({ config: { insertFormat: way.insertFormat } });
      await ingest.start();
      await consumer.deliver(Topics.spans, [{ value: agentSpans(way.traceId) }], 900 + index);
      await ingest.stop();
      assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'direct' }), way.direct, way.insertFormat);
      const columns = await select<{ name: string }>(`SELECT name FROM system.columns WHERE table = 'otel_traces' AND default_kind != 'ALIAS' AND name != 'TraceId'`);
      stored.push(
        await select<Record<string, string>>(
          `SELECT ${columns.map(({ name }) => `toString(\`${name}\`) AS \`${name}\``).join(', ')} FROM otel_traces WHERE TraceId = '${way.traceId}' ORDER BY SpanName`,
        ),
      );
    }
    assert.equal(stored[0]?.length, 2);
    assert.deepEqual(stored[0], stored[1]);
    assert.match(stored[0]?.[0]?.SpanAttributes ?? '', /'stallscope\.syscall\.args':'\["3","2"\]'/);
  });

  it('reuses span rows\' buffers from batch to batch, each batch storing its own rows', async () => {
    // Names of different lengths and ends of different times: a buffer reused with an
    // earlier batch's bytes in it would show them in a row of a later one.
    const sent: { traceId: string; name: string; durationNs: string }[] = [];
    const request = (batch: number, message: number) => {
      const spans = Array.from({ length: 20 + message * 7 }, (_, index) => {
        const traceId = `ab${String(batch).padStart(2, '0')}${String(message).padStart(2, '0')}${String(index).padStart(26, '0')}`;
        const name = `syscall reuse ${batch}.${message}.${'x'.repeat(index % 5)}${index}`;
        const endTime: HrTime = [spanStart[0] + 1 + batch, index * 1000 + message];
        const span = slowSyscallSpan({ traceId, startTime: spanStart, endTime });
        sent.push({ traceId, name, durationNs: String((endTime[0] - spanStart[0]) * 1_000_000_000 + endTime[1] - spanStart[1]) });
        // As the agent sends them: the WebAssembly encoder's share (no events, links or doubles).
        const { 'stallscope.test.ratio': _ratio, ...attributes } = span.attributes;
        return { ...span, name, attributes, events: [], links: [] };
      });
      return { value: serializeSpans(spans) };
    };
    const { ingest, consumer, metrics } = await createTestIngest({ config: { insertFormat: 'RowBinary' } });
    await ingest.start();
    const batches = 4;
    for (let batch = 0; batch < batches; batch++) await consumer.deliver(Topics.spans, [request(batch, 0), request(batch, 1)], 1000 + batch * 2);
    await ingest.stop();
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'direct' }), batches * 2);
    // The first batch's two requests allocate; every later one reuses what the batch before released.
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_row_buffers_total', { source: 'allocated' }), 2);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_row_buffers_total', { source: 'reused' }), (batches - 1) * 2);
    const stored = await select<{ traceId: string; name: string; durationNs: string }>(
      `SELECT TraceId AS traceId, SpanName AS name, toString(Duration) AS durationNs FROM otel_traces WHERE startsWith(SpanName, 'syscall reuse ') ORDER BY traceId`,
    );
    assert.deepEqual(stored, sent.sort((a, b) => a.traceId.localeCompare(b.traceId)));
  });

  it('starts when the store does not say how otel_traces is laid out, decodes spans first meanwhile, and asks again', { timeout: 60_000 }, async () => {
    // A ClickHouse server not answering yet: the first DESCRIBE fails, later ones are answered.
    let describes = 0;
    const slowClient = Object.create(store.client) as Store['client'];
    slowClient.query = (async (params: Parameters<Store['client']['query']>[0]) => {
      if (/^DESCRIBE TABLE otel_traces/.test(params.query) && describes++ === 0) throw new Error('connect ECONNREFUSED');
      return store.client.query(params);
    }) as Store['client']['query'];
    const { ingest, consumer, metrics } = await createTestIngest({ client: slowClient });
    await ingest.start();
    const traceId = '44444444444444444444444444444444';
    const span = slowSyscallSpan({ traceId, startTime: spanStart, endTime: spanEnd });
    const message = (name: string) => ({ value: serializeSpans([{ ...span, name, events: [], links: [] }]) });
    await consumer.deliver(Topics.spans, [message('while unknown')], 970);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'decoded' }), 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // This one has the store asked again; the answer serves the next.
    await consumer.deliver(Topics.spans, [message('asking again')], 971);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await consumer.deliver(Topics.spans, [message('once known')], 972);
    await ingest.stop();
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'direct' }), 1);
    assert.deepEqual(await select(`SELECT SpanName FROM otel_traces WHERE TraceId = '${traceId}' ORDER BY SpanName`), [
      { SpanName: 'asking again' },
      { SpanName: 'once known' },
      { SpanName: 'while unknown' },
    ]);
  });

  it("stores an agent's points (exponential histograms, a sum, a gauge) straight from protobuf: the rows and rollups of the decoded way", async () => {
    /** An agent's histogram export with a monotonic delta sum and a gauge beside it, as one request. */
    const agentRequest = (serviceName: string) => {
      const type = otlpMessageTypes().exportMetricsServiceRequest;
      const request = type.toObject(type.decode(histogramRequest(serviceName, 'host-a')), { longs: String }) as {
        resourceMetrics: { scopeMetrics: { metrics: object[] }[] }[];
      };
      const timeUnixNano = String(BigInt(minuteStart + 10) * 1_000_000_000n);
      request.resourceMetrics[0]!.scopeMetrics[0]!.metrics.push(
        { name: 'syscall.errors', unit: '{error}', sum: { dataPoints: [{ timeUnixNano, asInt: '3', attributes: [{ key: 'error.type', value: { stringValue: 'EAGAIN' } }] }], aggregationTemporality: 1, isMonotonic: true } },
        { name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: [{ timeUnixNano, asDouble: 1.5e9 }] } },
      );
      return Buffer.from(type.encode(type.fromObject(request)).finish());
    };
    const direct = await createTestIngest();
    const decoded = await createTestIngest({ config: { directMetricRows: false } });
    for (const [test, serviceName, offset] of [[direct, 'points-direct', 840], [decoded, 'points-decoded', 841]] as const) {
      await test.ingest.start();
      await test.consumer.deliver(Topics.metrics, [{ value: agentRequest(serviceName) }], offset);
      await test.ingest.stop();
    }
    assert.equal(await counterValue(direct.metrics, 'stallscope_ingest_metric_messages_total', { path: 'direct' }), 1);
    assert.equal(await counterValue(decoded.metrics, 'stallscope_ingest_metric_messages_total', { path: 'direct' }), 0);
    for (const [table, rows] of [[Tables.exponentialHistograms, 2], [Tables.sums, 1], [Tables.gauges, 1]] as const) {
      const points = (serviceName: string) =>
        select(`SELECT * EXCEPT (ServiceName, ResourceAttributes), mapFilter((key, value) -> key != 'service.name', ResourceAttributes) AS resource FROM ${table} WHERE ServiceName = '${serviceName}' ORDER BY TimeUnix, toString(Attributes)`);
      const stored = await points('points-direct');
      assert.equal(stored.length, rows, table);
      assert.deepEqual(stored, await points('points-decoded'), table);
    }
    for (const serviceName of ['points-direct', 'points-decoded']) {
      assert.deepEqual(await select(`SELECT sum(Calls) AS calls FROM kernel_syscall_rollup_1m WHERE ServiceName = '${serviceName}'`), [{ calls: '14' }]);
    }
  });

  it('writes a batch mixing requests taken directly and requests decoded first in one insert', { timeout: 60_000 }, async () => {
    const { ingest, consumer, metrics } = await createTestIngest();
    await ingest.start();
    const traceId = '33333333333333333333333333333333';
    const span = slowSyscallSpan({ traceId, startTime: spanStart, endTime: spanEnd, eventTime });
    await consumer.deliver(Topics.spans, [
      { value: serializeSpans([{ ...span, name: 'direct', events: [], links: [] }]) },
      // Span events: decoded first.
      { value: serializeSpans([{ ...span, name: 'decoded' }]) },
    ], 950);
    await ingest.stop();
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'direct' }), 1);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'decoded' }), 1);
    assert.deepEqual(await select(`SELECT SpanName, length(Events.Name) AS events FROM otel_traces WHERE TraceId = '${traceId}' ORDER BY SpanName`), [
      { SpanName: 'decoded', events: '1' },
      { SpanName: 'direct', events: '0' },
    ]);
  });

  it('stores names, trace states, status messages and scopes that are not UTF-8 as the bytes sent, both ways; logs and metrics too', async () => {
    const bad = (text: string) => Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0xc3])]);
    const hexOf = (text: string) => bad(text).toString('hex').toUpperCase();
    const types = otlpRawStringTypes();
    const ids = (traceByte: number) => ({ traceId: Buffer.alloc(16, traceByte), spanId: Buffer.alloc(8, 1) });
    const times = { startTimeUnixNano: `${spanStart[0]}000000000`, endTimeUnixNano: `${spanEnd[0]}000000000` };
    const spanRequest = (traceByte: number, events: object[]) =>
      types.exportTraceServiceRequest
        .encode(
          types.exportTraceServiceRequest.fromObject({
            resourceSpans: [
              {
                resource: { attributes: [{ key: Buffer.from('service.name'), value: { stringValue: Buffer.from('bytes-check') } }] },
                scopeSpans: [
                  {
                    scope: { name: bad('scope'), version: bad('1.0') },
                    spans: [{ ...ids(traceByte), ...times, name: bad('read'), traceState: bad('k=v'), status: { code: 2, message: bad('EIO') }, events }],
                  },
                ],
              },
            ],
          }),
        )
        .finish();
    const logRequest = types.exportLogsServiceRequest
      .encode(
        types.exportLogsServiceRequest.fromObject({
          resourceLogs: [{ scopeLogs: [{ scope: { name: bad('scope') }, logRecords: [{ timeUnixNano: times.startTimeUnixNano, severityText: bad('WARN'), eventName: bad('login') }] }] }],
        }),
      )
      .finish();
    const metricRequest = types.exportMetricsServiceRequest
      .encode(
        types.exportMetricsServiceRequest.fromObject({
          resourceMetrics: [
            {
              scopeMetrics: [
                { metrics: [{ name: bad('queue.depth'), description: bad('items'), unit: bad('1'), gauge: { dataPoints: [{ timeUnixNano: times.startTimeUnixNano, asInt: 7 }] } }] },
              ],
            },
          ],
        }),
      )
      .finish();
    const { ingest, consumer, metrics } = await createTestIngest();
    await ingest.start();
    await consumer.deliver(Topics.spans, [{ value: Buffer.from(spanRequest(0x44, [])) }, { value: Buffer.from(spanRequest(0x55, [{ timeUnixNano: times.startTimeUnixNano, name: bad('retry') }])) }], 960);
    await consumer.deliver(Topics.logs, [{ value: Buffer.from(logRequest) }], 961);
    await consumer.deliver(Topics.metrics, [{ value: Buffer.from(metricRequest) }], 962);
    await ingest.stop();
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'direct' }), 1, 'the span without events goes the direct way');
    assert.equal(await counterValue(metrics, 'stallscope_ingest_span_messages_total', { path: 'decoded' }), 1, 'the span with an event is decoded first');
    const spans = await select(
      `SELECT hex(SpanName) AS name, hex(TraceState) AS state, hex(StatusMessage) AS message, hex(ScopeName) AS scope, hex(ScopeVersion) AS version, arrayMap(name -> hex(name), Events.Name) AS events
       FROM otel_traces WHERE ServiceName = 'bytes-check' ORDER BY TraceId`,
    );
    const span = { name: hexOf('read'), state: hexOf('k=v'), message: hexOf('EIO'), scope: hexOf('scope'), version: hexOf('1.0') };
    assert.deepEqual(spans, [
      { ...span, events: [] },
      { ...span, events: [hexOf('retry')] },
    ]);
    assert.deepEqual(await select(`SELECT hex(SeverityText) AS severity, hex(EventName) AS event, hex(ScopeName) AS scope FROM otel_logs WHERE EventName = unhex('${hexOf('login')}')`), [
      { severity: hexOf('WARN'), event: hexOf('login'), scope: hexOf('scope') },
    ]);
    assert.deepEqual(await select(`SELECT hex(MetricDescription) AS description, hex(MetricUnit) AS unit FROM otel_metrics_gauge WHERE MetricName = unhex('${hexOf('queue.depth')}')`), [
      { description: hexOf('items'), unit: hexOf('1') },
    ]);
  });

  it('writes exponential histograms and feeds the kernel_syscall_minutely rollup', async () => {
    const { ingest, consumer, metrics } = await createTestIngest();
    await ingest.start();
    await consumer.deliver(Topics.metrics, [{ value: histogramRequest('api', 'host-a') }, { value: histogramRequest('api', 'host-a') }]);
    await ingest.stop();

    const points = await select<Record<string, unknown>>(
      `SELECT ServiceName, MetricName, Attributes, Count, Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts,
              Min, Max, AggregationTemporality, toString(toUnixTimestamp64Nano(TimeUnix)) AS TimeNs
       FROM otel_metrics_exponential_histogram
       WHERE ServiceName = 'api' AND Attributes['stallscope.syscall.name'] = 'fsync'`,
    );
    assert.equal(points.length, 2);
    assert.deepEqual(points[0], {
      ServiceName: 'api',
      MetricName: 'syscall.duration',
      Attributes: { 'stallscope.syscall.name': 'fsync', 'stallscope.wait_class': 'disk' },
      Count: '10',
      Sum: 9e6,
      Scale: 0,
      ZeroCount: '2',
      PositiveOffset: 20,
      PositiveBucketCounts: ['3', '0', '5'],
      Min: 1.1e6,
      Max: 7.9e6,
      AggregationTemporality: 1,
      TimeNs: `${minuteStart + 10}999999999`,
    });

    const rollup = await select<Record<string, unknown>>(
      `SELECT toUnixTimestamp(Minute) AS MinuteUnix, HostName, Syscall, WaitClass, sum(Calls) AS Calls,
              sum(BlockedNs) AS BlockedNs, max(MaxNs) AS MaxNs, sum(ZeroCount) AS ZeroCount, sumMap(Buckets) AS Buckets
       FROM kernel_syscall_minutely WHERE ServiceName = 'api'
       GROUP BY Minute, HostName, Syscall, WaitClass ORDER BY Syscall`,
    );
    assert.deepEqual(rollup, [
      {
        MinuteUnix: minuteStart,
        HostName: 'host-a',
        Syscall: 'fsync',
        WaitClass: 'disk',
        Calls: '20',
        BlockedNs: 1.8e7,
        MaxNs: 7.9e6,
        ZeroCount: '4',
        Buckets: [
          [20, 22],
          ['6', '10'],
        ],
      },
      {
        MinuteUnix: minuteStart,
        HostName: 'host-a',
        Syscall: 'futex',
        WaitClass: 'idle',
        Calls: '8',
        BlockedNs: 1.2e10,
        MaxNs: 1.9e9,
        ZeroCount: '0',
        Buckets: [[30], ['8']],
      },
    ]);
    assert.equal(
      await counterValue(metrics, 'stallscope_ingest_rows_inserted_total', { table: 'otel_metrics_exponential_histogram' }),
      4,
    );
  });

  it('dead-letters an undecodable message with its provenance and still inserts the rest of the batch', async () => {
    const { ingest, consumer, deadLetter, metrics } = await createTestIngest();
    await ingest.start();
    const garbage = Buffer.from('not an OTLP request');
    await consumer.deliver(
      Topics.metrics,
      [
        { value: histogramRequest('dlq-before', 'host-a') },
        { value: garbage, key: Buffer.from('k'), headers: { traceparent: 'x' } },
        { value: histogramRequest('dlq-after', 'host-a') },
      ],
      40,
    );
    await ingest.stop();

    assert.equal(deadLetter.sent.length, 1);
    const sent = deadLetter.sent[0];
    assert.equal(sent?.topic, Topics.deadLetter);
    assert.equal(sent?.messages.length, 1);
    const letter = sent?.messages[0];
    assert.deepEqual(letter?.value, garbage);
    assert.deepEqual(letter?.key, Buffer.from('k'));
    assert.equal(letter?.headers?.traceparent, 'x');
    assert.equal(letter?.headers?.[DeadLetterHeaders.sourceTopic], Topics.metrics);
    assert.equal(letter?.headers?.[DeadLetterHeaders.sourcePartition], '0');
    assert.equal(letter?.headers?.[DeadLetterHeaders.sourceOffset], '41');
    assert.match(letter?.headers?.[DeadLetterHeaders.error] ?? '', /^malformed ExportMetricsServiceRequest: /);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_dead_letters_total', { topic: Topics.metrics }), 1);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_messages_total', { topic: Topics.metrics, outcome: 'ingested' }), 2);

    const stored = await select<Record<string, unknown>>(
      `SELECT SourceTopic, SourcePartition, SourceOffset, Error, Headers, PayloadBase64,
              Timestamp > now64(3) - INTERVAL 1 MINUTE AS Recent
       FROM stallscope_dead_letters WHERE SourceTopic = '${Topics.metrics}' AND SourceOffset = 41`,
    );
    assert.equal(stored.length, 1);
    assert.match(String(stored[0]?.Error), /^malformed ExportMetricsServiceRequest: /);
    assert.deepEqual({ ...stored[0], Error: undefined }, {
      SourceTopic: Topics.metrics,
      SourcePartition: 0,
      SourceOffset: '41',
      Error: undefined,
      Headers: { traceparent: 'x' },
      PayloadBase64: garbage.toString('base64'),
      Recent: 1,
    });

    const services = await select<{ ServiceName: string }>(
      `SELECT DISTINCT ServiceName FROM otel_metrics_exponential_histogram WHERE ServiceName LIKE 'dlq-%' ORDER BY ServiceName`,
    );
    assert.deepEqual(services, [{ ServiceName: 'dlq-after' }, { ServiceName: 'dlq-before' }]);
  });

  it('stores one request of every metric kind, every column read back as inserted; a metric without data is counted', async () => {
    const { ingest, consumer, metrics } = await createTestIngest();
    await ingest.start();
    const request = everyMetricKindRequest({ serviceName: 'every-kind', timeShiftNs: recentShiftNs });
    await consumer.deliver(Topics.metrics, [{ value: request }], 20001);
    await ingest.stop();
    const inserted = metricRows(decodeExportMetricsServiceRequest(request));
    const tables = [
      [Tables.gauges, inserted.gauges],
      [Tables.sums, inserted.sums],
      [Tables.histograms, inserted.histograms],
      [Tables.summaries, inserted.summaries],
    ] as const;
    for (const [table, rows] of tables) {
      assert.ok(rows.length > 0);
      assert.deepEqual(await storedRows(table, `ServiceName = 'every-kind'`), await asStored(table, rows), table);
    }
    assert.equal(await counterValue(metrics, 'stallscope_ingest_metrics_without_data_total', {}), 1);
  });

  it('an otlp_json payload stores the same rows as its otlp_proto twin', async () => {
    const { ingest, consumer } = await createTestIngest();
    await ingest.start();
    const resourceMetrics = (serviceName: string) =>
      syscallDurationMetrics({
        serviceName,
        hostName: 'host-a',
        startTime: [minuteStart, 0],
        endTime: [minuteStart + 10, 999_999_999],
        points: [{ syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1.1e6, maxNs: 7.9e6 }],
      });
    await consumer.deliver(Topics.metrics, [{ value: serializeMetrics(resourceMetrics('twin-proto')) }], 20002);
    await consumer.deliver(Topics.metrics, [{ value: serializeMetricsJson(resourceMetrics('twin-json')) }], 20003);
    const logTime: HrTime = [nowSeconds - 90, 1];
    await consumer.deliver(Topics.logs, [{ value: serializeLogs(appLogRecords({ serviceName: 'twin-proto', time: logTime, observedTime: eventTime })) }], 20004);
    await consumer.deliver(Topics.logs, [{ value: serializeLogsJson(appLogRecords({ serviceName: 'twin-json', time: logTime, observedTime: eventTime })) }], 20005);
    await ingest.stop();
    for (const table of [Tables.exponentialHistograms, Tables.logs]) {
      const withoutService = (rows: Record<string, unknown>[]) =>
        rows.map(({ ServiceName, ResourceAttributes, ...rest }) => ({ ...rest, service: ServiceName === '' ? '' : 'twin' }));
      const proto = await storedRows(table, `ServiceName = 'twin-proto'`);
      const json = await storedRows(table, `ServiceName = 'twin-json'`);
      assert.ok(proto.length > 0, table);
      assert.deepEqual(withoutService(json), withoutService(proto), table);
    }
  });

  it('stores log records from the logs topic, every column read back as inserted', async () => {
    const { ingest, consumer } = await createTestIngest();
    await ingest.start();
    const payload = serializeLogs(appLogRecords({ serviceName: 'logs-topic', time: spanStart, observedTime: eventTime }));
    await consumer.deliver(Topics.logs, [{ value: payload }], 20006);
    await ingest.stop();
    const inserted = logRows(decodeExportLogsServiceRequest(payload));
    assert.equal(inserted.length, 2);
    assert.deepEqual(await storedRows(Tables.logs, `ServiceName = 'logs-topic'`), await asStored(Tables.logs, inserted));
  });

  it('keeps one otel_traces_trace_id_ts row per trace with its first and last span start', async () => {
    const { ingest, consumer } = await createTestIngest();
    await ingest.start();
    const traceId = '5b8efff798038103d269b633813fc60c';
    const later: HrTime = [nowSeconds - 60, 999_999_999];
    await consumer.deliver(Topics.spans, [{ value: serializeSpans([slowSyscallSpan({ traceId, startTime: later, endTime: [nowSeconds - 59, 0] })]) }], 20007);
    await consumer.deliver(Topics.spans, [{ value: serializeSpans([slowSyscallSpan({ traceId, startTime: spanStart, endTime: spanEnd })]) }], 20008);
    await ingest.stop();
    const rows = await select<Record<string, unknown>>(
      `SELECT TraceId, toUnixTimestamp(Start) AS Start, toUnixTimestamp(End) AS End
       FROM otel_traces_trace_id_ts FINAL WHERE TraceId = '${traceId}'`,
    );
    assert.deepEqual(rows, [{ TraceId: traceId, Start: spanStart[0], End: later[0] }]);
  });

  it('a replayed batch (same offsets) changes neither the table nor the rollup', async () => {
    const batch = [{ value: histogramRequest('replayed', 'host-a') }, { value: histogramRequest('replayed', 'host-b') }];
    const totals = () =>
      Promise.all([
        select<{ rows: string }>(`SELECT count() AS rows FROM otel_metrics_exponential_histogram WHERE ServiceName = 'replayed'`),
        select<{ calls: string; blockedNs: number }>(
          `SELECT sum(Calls) AS calls, sum(BlockedNs) AS blockedNs FROM kernel_syscall_minutely WHERE ServiceName = 'replayed'`,
        ),
      ]);
    const first = await createTestIngest();
    await first.ingest.start();
    await first.consumer.deliver(Topics.metrics, batch, 500);
    await first.ingest.stop();
    const afterFirst = await totals();
    assert.deepEqual(afterFirst, [[{ rows: '4' }], [{ calls: '28', blockedNs: 2 * (9e6 + 6e9) }]]);

    // A restarted ingest gets the same batch again: its offsets were never committed.
    const second = await createTestIngest();
    await second.ingest.start();
    await second.consumer.deliver(Topics.metrics, batch, 500);
    await second.ingest.stop();
    assert.deepEqual(await totals(), afterFirst);
  });

  it('inserts equal payloads of different messages both: tokens, not row hashes, decide what a duplicate is', async () => {
    const { ingest, consumer } = await createTestIngest();
    await ingest.start();
    await consumer.deliver(Topics.metrics, [{ value: histogramRequest('same-bytes', 'host-a') }], 800);
    await consumer.deliver(Topics.metrics, [{ value: histogramRequest('same-bytes', 'host-a') }], 801);
    await ingest.stop();
    assert.deepEqual(await select(`SELECT count() AS rows FROM otel_metrics_exponential_histogram WHERE ServiceName = 'same-bytes'`), [
      { rows: '4' },
    ]);
  });

  for (const insertFormat of INSERT_FORMATS) {
    it(`an insert applied whose acknowledgement is lost is retried without duplicating rows or rollups (${insertFormat})`, async () => {
      let lostAcks = 0;
      const loseFirstAck = <T>(table: string, result: T): T => {
        if (table === 'otel_metrics_exponential_histogram' && lostAcks === 0) {
          lostAcks += 1;
          throw new Error('socket hang up');
        }
        return result;
      };
      const losingClient = Object.create(store.client) as Store['client'];
      // JSONEachRow goes through insert(), RowBinary through an INSERT ... FROM INFILE command.
      losingClient.insert = async (params) => loseFirstAck(params.table, await store.client.insert(params));
      losingClient.command = async (params) =>
        loseFirstAck(/^INSERT INTO (\w+)/.exec(params.query)?.[1] ?? '', await store.client.command(params));
      const serviceName = `ack-lost-${insertFormat}`;
      const { ingest, consumer, metrics } = await createTestIngest({ client: losingClient, config: { insertFormat } });
      await ingest.start();
      await consumer.deliver(Topics.metrics, [{ value: histogramRequest(serviceName, 'host-a') }], 600 + INSERT_FORMATS.indexOf(insertFormat));
      await ingest.stop();
      assert.equal(lostAcks, 1);
      assert.equal(
        await counterValue(metrics, 'stallscope_ingest_insert_retries_total', { table: 'otel_metrics_exponential_histogram' }),
        1,
      );
      assert.deepEqual(await select(`SELECT count() AS rows FROM otel_metrics_exponential_histogram WHERE ServiceName = '${serviceName}'`), [
        { rows: '2' },
      ]);
      assert.deepEqual(await select(`SELECT sum(Calls) AS calls FROM kernel_syscall_minutely WHERE ServiceName = '${serviceName}'`), [
        { calls: '14' },
      ]);
    });
  }

  it('a batch failing after its insert and before its commit is redelivered without duplicates', async () => {
    const { ingest, consumer, deadLetter } = await createTestIngest();
    let failedSends = 0;
    const send = deadLetter.send.bind(deadLetter);
    deadLetter.send = async (topic, messages) => {
      if (failedSends === 0) {
        failedSends += 1;
        throw new Error('dead-letter write failed');
      }
      return send(topic, messages);
    };
    await ingest.start();
    const batch = [{ value: histogramRequest('redelivered', 'host-a') }, { value: Buffer.from('poison') }];
    await assert.rejects(consumer.deliver(Topics.metrics, batch, 700), /dead-letter write failed/);
    await consumer.deliver(Topics.metrics, batch, 700);
    await ingest.stop();
    assert.deepEqual(await select(`SELECT count() AS rows FROM otel_metrics_exponential_histogram WHERE ServiceName = 'redelivered'`), [
      { rows: '2' },
    ]);
    assert.deepEqual(await select(`SELECT sum(Calls) AS calls FROM kernel_syscall_minutely WHERE ServiceName = 'redelivered'`), [
      { calls: '14' },
    ]);
    assert.deepEqual(await select(`SELECT count() AS letters FROM stallscope_dead_letters WHERE SourceOffset = 701`), [
      { letters: '1' },
    ]);
  });

  it('settles a batch whose insert gave up only once its other inserts have settled too', async () => {
    // One row per insert: the histogram request's two points are two inserts. The first
    // hangs until let go; the other fails until the ingest stops and gives up on it.
    let letFirstGo!: () => void;
    const firstHeld = new Promise<void>((resolve) => (letFirstGo = resolve));
    let inserts = 0;
    const client = Object.create(store.client) as Store['client'];
    client.command = async (params) => {
      if (!params.query.startsWith('INSERT INTO otel_metrics_exponential_histogram')) return store.client.command(params);
      inserts += 1;
      if (inserts === 1) {
        await firstHeld;
        return store.client.command(params);
      }
      throw new Error('store refused the insert');
    };
    const { ingest, consumer, metrics } = await createTestIngest({ client, config: { insertFormat: 'RowBinary', batchMaxRows: 1 } });
    await ingest.start();
    let settled = false;
    const delivery = consumer.deliver(Topics.metrics, [{ value: histogramRequest('settles-last', 'host-a') }], 750).finally(() => (settled = true));
    const table = { table: 'otel_metrics_exponential_histogram' };
    while ((await counterValue(metrics, 'stallscope_ingest_insert_retries_total', table)) < 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const stopped = ingest.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, 'the batch settled while one of its inserts was still in flight');
    letFirstGo();
    await assert.rejects(delivery, /store refused the insert/);
    await stopped;
  });

  it('holds inserts while the store is below its free-space floor: none reaches the engine, the batch lands once space is back', async () => {
    // The real check on this test's filesystem; a floor above any disk's size holds, 0 lets go.
    let minFreeBytes = Number.MAX_SAFE_INTEGER;
    let engineInserts = 0;
    const client = Object.create(store.client) as Store['client'];
    client.command = async (params) => {
      if (params.query.startsWith('INSERT INTO otel_metrics_exponential_histogram')) engineInserts += 1;
      return store.client.command(params);
    };
    const { ingest, consumer, metrics } = await createTestIngest({ client, checkWritable: () => checkDiskFloor(dataDir, minFreeBytes), config: { insertFormat: 'RowBinary' } });
    await ingest.start();
    let settled = false;
    const delivery = consumer.deliver(Topics.metrics, [{ value: histogramRequest('held-by-floor', 'host-a') }], 760).finally(() => (settled = true));
    const table = { table: 'otel_metrics_exponential_histogram' };
    while ((await counterValue(metrics, 'stallscope_ingest_inserts_held_total', table)) < 3) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(engineInserts, 0, 'an insert reached the engine below the floor');
    assert.equal(settled, false, 'the batch settled while its insert was held');
    assert.deepEqual(await select(`SELECT count() AS rows FROM otel_metrics_exponential_histogram WHERE ServiceName = 'held-by-floor'`), [
      { rows: '0' },
    ]);
    // The gauges an alert watches, read from the real filesystem when scraped.
    const scrapedFree = await counterValue(metrics, 'stallscope_ingest_store_free_bytes', {});
    assert.ok(Math.abs(scrapedFree - freeBytes(dataDir)) < 64 * 1024 ** 2, `${scrapedFree} free bytes scraped`);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_store_min_free_bytes', {}), storeConfigDefaults.minFreeBytes);
    minFreeBytes = 0;
    await delivery;
    await ingest.stop();
    assert.equal(engineInserts, 1);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_insert_failures_total', table), 0, 'a held insert is not a store failure');
    assert.deepEqual(await select(`SELECT count() AS rows FROM otel_metrics_exponential_histogram WHERE ServiceName = 'held-by-floor'`), [
      { rows: '2' },
    ]);
    assert.deepEqual(await select(`SELECT sum(Calls) AS calls FROM kernel_syscall_minutely WHERE ServiceName = 'held-by-floor'`), [
      { calls: '14' },
    ]);
  });

  // Last: it stops the file's one store.
  it('retries a failing store instead of dead-lettering, and gives up uncommitted on stop', async () => {
    const { ingest, consumer, deadLetter, metrics } = await createTestIngest();
    await ingest.start();
    await store.stop();
    const delivery = consumer.deliver(Topics.metrics, [{ value: histogramRequest('lost', 'host-a') }]);
    const table = { table: 'otel_metrics_exponential_histogram' };
    while ((await counterValue(metrics, 'stallscope_ingest_insert_retries_total', table)) < 2) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await ingest.stop();
    await assert.rejects(delivery);
    assert.equal(deadLetter.sent.length, 0);
    assert.ok((await counterValue(metrics, 'stallscope_ingest_insert_failures_total', table)) >= 2);
    assert.equal(await counterValue(metrics, 'stallscope_ingest_messages_total', { topic: Topics.metrics, outcome: 'insert_failed' }), 1);
  });
});
