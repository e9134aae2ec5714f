// The ingest writing a ClickHouse server over its HTTP interface, the
// distributed mode's store path. No ClickHouse server can be installed on the
// machines the suites run on: the server here is the shared-store fixture
// (the real engine, chDB, behind ClickHouse's HTTP framing). With RowBinary
// (the default) rows go as the body of each INSERT, spans straight from
// protobuf; every stored column must read back as the JSONEachRow way stores
// it, and strings that are not UTF-8 as the bytes sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry, createLogger } from '@stallscope/common';
import { createIngest, ingestConfigDefaults, type IngestConfig } from '@stallscope/ingest';
import { INGEST_CONSUMER_GROUP, Topics } from '@stallscope/schemas';
import { loadOtlpProtoRoot } from '@stallscope/schemas/otlp-proto';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { createInProcessTransport, inProcessTransportConfigDefaults } from '@stallscope/transport';
import { startChdbHttpServer, type ChdbHttpServer } from './fixtures/chdb-http-server.js';

const logger = createLogger('silent');
let server: ChdbHttpServer;
let store: Store;

// Strings as bytes, so a request can carry some that are not UTF-8.
const root = loadOtlpProtoRoot(
  ['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'opentelemetry/proto/collector/logs/v1/logs_service.proto'],
  { stringsAsBytes: true },
);
const traceRequestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const logsRequestType = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');

const NOT_UTF8 = Buffer.from([0xff, 0xc3]);
const text = (value: string) => Buffer.from(value);
const notUtf8 = (value: string) => Buffer.concat([text(value), NOT_UTF8]);
const hexOf = (bytes: Buffer) => bytes.toString('hex').toUpperCase();
const attribute = (key: string, value: object) => ({ key: text(key), value });

before(async () => {
  console.log('ingest over HTTP: the ClickHouse server is the shared-store fixture (chDB behind ClickHouse\'s HTTP interface); no server can be installed here');
  server = await startChdbHttpServer();
  store = createStore({ ...storeConfigDefaults, url: server.url, database: 'stallscope' }, { logger });
  await store.start();
});

after(async () => {
  await store?.stop();
  await server?.stop();
});

/** Agent-like spans of one process (array attributes, no events: the direct way) and one span with an event (decoded first). */
const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;

function spanRequests(traceByte: number): Uint8Array[] {
  const span = (index: number, extra: object) => ({
    traceId: Buffer.alloc(16, traceByte),
    spanId: Buffer.from([index + 1, 0, 0, 0, 0, 0, 0, 1]),
    startTimeUnixNano: String(startNs + BigInt(index) * 1_000_000n),
    endTimeUnixNano: String(startNs + BigInt(index) * 1_000_000n + 2_500_000n),
    kind: 1,
    attributes: [
      attribute('stallscope.syscall.name', { stringValue: text('futex') }),
      attribute('stallscope.syscall.args', { arrayValue: { values: [{ intValue: 3 }, { intValue: -1 }] } }),
      attribute('stallscope.user_stack', { arrayValue: { values: [{ stringValue: text('runtime.futex') }, { stringValue: text('main.handle') }] } }),
      attribute('thread.id', { intValue: 4242 + index }),
      attribute('stallscope.blocked', { boolValue: true }),
      attribute('stallscope.run_queue_ratio', { doubleValue: 0.125 }),
    ],
    status: { code: 2, message: notUtf8('EAGAIN ') },
    ...extra,
  });
  const request = (spans: object[]) =>
    traceRequestType
      .encode(
        traceRequestType.fromObject({
          resourceSpans: [
            {
              resource: { attributes: [attribute('service.name', { stringValue: text('http-store-check') }), attribute('host.name', { stringValue: text('node-7') })] },
              scopeSpans: [{ scope: { name: text('stallscope.bpf-agent'), version: text('0.1.0') }, spans }],
            },
          ],
        }),
      )
      .finish();
  return [
    request([span(0, { name: notUtf8('syscall futex ') }), span(1, { name: text('syscall read') })]),
    request([span(2, { name: text('with event'), events: [{ timeUnixNano: String(startNs), name: notUtf8('retry ') }] })]),
  ];
}

function logRequest(severity: string): Uint8Array {
  return logsRequestType
    .encode(
      logsRequestType.fromObject({
        resourceLogs: [
          {
            resource: { attributes: [attribute('service.name', { stringValue: text('http-store-check') })] },
            scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), severityText: text(severity), eventName: notUtf8('login '), body: { stringValue: text('signed in') } }] }],
          },
        ],
      }),
    )
    .finish();
}

async function counter(metrics: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.getMetricsAsJSON()).find((entry) => entry.name === name);
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values.filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected)).reduce((sum, value) => sum + value.value, 0);
}

/** Runs one ingest with `insertFormat` over the in-process transport until it has ingested every message. */
async function ingestOnce(insertFormat: IngestConfig['insertFormat'], messages: { topic: string; value: Uint8Array }[]): Promise<Registry> {
  const metrics = new Registry();
  const transport = createInProcessTransport(inProcessTransportConfigDefaults, { logger, metrics });
  const producer = transport.createProducer();
  const ingest = createIngest({ ...ingestConfigDefaults, insertFormat }, { logger, metrics, store, consumer: transport.createConsumer(INGEST_CONSUMER_GROUP) });
  await producer.start();
  await ingest.start();
  try {
    for (const { topic, value } of messages) await producer.send(topic, [{ value: Buffer.from(value) }]);
    const deadline = Date.now() + 60_000;
    while ((await counter(metrics, 'stallscope_ingest_messages_total', { outcome: 'ingested' })) < messages.length) {
      assert.ok(Date.now() < deadline, `ingested ${await counter(metrics, 'stallscope_ingest_messages_total', {})} of ${messages.length} messages`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await ingest.stop();
    await producer.stop();
  }
  return metrics;
}

async function select<T>(query: string): Promise<T[]> {
  const result = await store.client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}

test('RowBinary over HTTP stores what JSONEachRow stores, spans taken straight from protobuf, and keeps bytes that are not UTF-8', { timeout: 120_000 }, async () => {
  const ways = [
    { insertFormat: 'RowBinary', traceByte: 0x61, severity: 'WARN-rowbinary' },
    { insertFormat: 'JSONEachRow', traceByte: 0x62, severity: 'WARN-json' },
  ] as const;
  const stored = [];
  for (const way of ways) {
    const messages = [...spanRequests(way.traceByte).map((value) => ({ topic: Topics.spans, value })), { topic: Topics.logs, value: logRequest(way.severity) }];
    const metrics = await ingestOnce(way.insertFormat, messages);
    const direct = await counter(metrics, 'stallscope_ingest_span_messages_total', { path: 'direct' });
    assert.equal(direct, way.insertFormat === 'RowBinary' ? 1 : 0, `${way.insertFormat}: spans taken straight from protobuf`);
    const columns = await select<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = 'stallscope' AND table = 'otel_traces' AND default_kind != 'ALIAS' AND name != 'TraceId' ORDER BY position",
    );
    const traceId = Buffer.alloc(16, way.traceByte).toString('hex');
    stored.push({
      spans: await select<Record<string, string>>(
        `SELECT ${columns.map(({ name }) => `hex(toString(\`${name}\`)) AS \`${name}\``).join(', ')} FROM otel_traces WHERE TraceId = '${traceId}' ORDER BY SpanId`,
      ),
      logs: await select<Record<string, string>>(`SELECT hex(EventName) AS event, Body AS body FROM otel_logs WHERE SeverityText = '${way.severity}'`),
    });
  }
  const [rowBinary, json] = stored as [(typeof stored)[number], (typeof stored)[number]];
  assert.equal(rowBinary.spans.length, 3);
  // Over RowBinary the bytes sent; JSON text cannot carry them and has U+FFFD.
  const asText = (hex: string | undefined) => Buffer.from(hex ?? '', 'hex').toString('utf8');
  assert.deepEqual(
    rowBinary.spans.map((row) => [row.SpanName, row.StatusMessage, row['Events.Name']].map((hex) => Buffer.from(hex ?? '', 'hex'))),
    [
      [notUtf8('syscall futex '), notUtf8('EAGAIN '), text('[]')],
      [text('syscall read'), notUtf8('EAGAIN '), text('[]')],
      [text('with event'), notUtf8('EAGAIN '), Buffer.concat([text("['retry "), NOT_UTF8, text("']")])],
    ],
  );
  assert.deepEqual(rowBinary.logs, [{ event: hexOf(notUtf8('login ')), body: 'signed in' }]);
  // Every other column: equal both ways, the strings that are not UTF-8 aside.
  const comparable = (rows: Record<string, string>[]) => rows.map(({ SpanName, StatusMessage, 'Events.Name': eventNames, ...rest }) => ({ ...rest, names: [SpanName, StatusMessage, eventNames].map(asText) }));
  assert.deepEqual(comparable(rowBinary.spans), comparable(json.spans));
  assert.match(asText(rowBinary.spans[0]?.SpanAttributes), /'stallscope\.syscall\.args':'\[3,-1\]'/);
});
