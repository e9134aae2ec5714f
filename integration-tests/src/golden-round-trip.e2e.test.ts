// Golden round trip (issue 7): the pairwise dataset of golden-spans.ts goes in
// through every door — OTLP/gRPC, OTLP/HTTP protobuf and OTLP/HTTP JSON to our
// collector, and otlp_proto messages straight onto the spans topic — and every
// field of every span is read back from otel_traces equal to what was sent,
// attribute values as the Collector's ClickHouse exporter stores them. Two
// oracles, both from the input: the documented mapping computed here, and the
// rows the Collector's own pdata builds (fixtures/golden-oracle.ts).
// Starts: one Kafka broker and `--target collector,ingest` as its own process
// (Kafka transport, embedded chDB), one Go build, then the store after the
// process stopped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createLogger } from '@stallscope/common';
import { goSortFunc } from '@stallscope/ingest';
import { Topics } from '@stallscope/schemas';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import {
  exportRequestJson,
  exportRequestProto,
  goldenSpans,
  jsonRepresentable,
  otlpTraceTypes,
  type GoldenAttribute,
  type GoldenSpan,
  type GoldenValue,
} from './fixtures/golden-spans.js';
import { buildGoldenOracle, collectorRows, goldenOracleSkipReason } from './fixtures/golden-oracle.js';
import { counterValue, ingestEnv, until } from './fixtures/ingest-faults.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const skipReason = kafkaSkipReason() ?? goldenOracleSkipReason();
if (skipReason) console.log(`skipping the golden round trip: ${skipReason}`);

const DOORS = ['grpc', 'http-protobuf', 'http-json', 'kafka'] as const;
type Door = (typeof DOORS)[number];
/** Encoded bytes per request or Kafka message at most: under the broker's 1 MB and the collector's message bound. */
const CHUNK_BYTES = 600 * 1024;

const runId = randomUUID().slice(0, 8);
let broker: KafkaBroker | undefined;
let stallscope: StallscopeProcess | undefined;
let producer: Producer | undefined;
let dataDir = '';
let oracle = '';
const chdbPath = () => join(dataDir, 'chdb');
const sent = new Map<Door, GoldenSpan[]>();

before(
  async () => {
    if (skipReason) return;
    oracle = buildGoldenOracle();
    broker = await startKafkaBroker();
    dataDir = mkdtempSync(join(tmpdir(), 'stallscope-golden-'));
    stallscope = await startStallscope('collector,ingest', ingestEnv(broker.brokers, `golden-${runId}`, chdbPath()), dataDir);
    producer = new Kafka({ clientId: 'golden-round-trip', brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  },
  { timeout: 240_000 },
);

after(async () => {
  await producer?.disconnect();
  if (stallscope && stallscope.child.exitCode === null) await stallscope.kill();
  await broker?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (oracle) rmSync(dirname(oracle), { recursive: true, force: true });
});

/** The spans in order, cut into requests of at most CHUNK_BYTES (the huge strings make some spans 300 KB). */
function chunks(spans: readonly GoldenSpan[]): GoldenSpan[][] {
  const out: GoldenSpan[][] = [];
  let bytes = 0;
  for (const span of spans) {
    const size = exportRequestProto([span]).length;
    if (out.length === 0 || bytes + size > CHUNK_BYTES) {
      out.push([]);
      bytes = 0;
    }
    out.at(-1)!.push(span);
    bytes += size;
  }
  return out;
}

/** The collector's answer has no partial_success: every span was accepted. */
function assertFullSuccess(door: Door, body: Buffer): void {
  const { response } = otlpTraceTypes();
  const answer = response.toObject(response.decode(body), { longs: String }) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
  assert.equal(answer.partialSuccess, undefined, `${door}: the collector rejected spans: ${JSON.stringify(answer.partialSuccess)}`);
}

function grpcExport(client: grpc.Client, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      body,
      (err, response) => (err ? reject(err) : resolve(response!)),
    ),
  );
}

async function httpExport(door: Door, contentType: string, body: string | Buffer): Promise<void> {
  const response = await fetch(`${stallscope!.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const answer = Buffer.from(await response.arrayBuffer());
  assert.equal(response.status, 200, `${door}: ${answer.toString('utf8').slice(0, 300)}`);
  // OTLP/HTTP answers in the request's encoding.
  if (contentType === 'application/x-protobuf') assertFullSuccess(door, answer);
  else assert.equal((JSON.parse(answer.toString('utf8')) as { partialSuccess?: unknown }).partialSuccess, undefined, `${door}: the collector rejected spans`);
}

async function send(door: Door, spans: readonly GoldenSpan[]): Promise<void> {
  if (door === 'grpc') {
    const client = new grpc.Client(stallscope!.otlpGrpc!.replace(/^http:\/\//, ''), grpc.credentials.createInsecure());
    try {
      for (const chunk of chunks(spans)) assertFullSuccess(door, await grpcExport(client, exportRequestProto(chunk)));
    } finally {
      client.close();
    }
  } else if (door === 'http-protobuf') {
    for (const chunk of chunks(spans)) await httpExport(door, 'application/x-protobuf', exportRequestProto(chunk));
  } else if (door === 'http-json') {
    for (const chunk of chunks(spans)) await httpExport(door, 'application/json', exportRequestJson(chunk));
  } else {
    // One message per send: the broker bounds a whole record batch by its max message size.
    for (const chunk of chunks(spans)) await producer!.send({ topic: Topics.spans, messages: [{ value: exportRequestProto(chunk) }] });
  }
}

test('golden round trip: the pairwise dataset goes in through OTLP/gRPC, OTLP/HTTP protobuf and JSON, and the spans topic', { skip: skipReason, timeout: 180_000 }, async () => {
  assert.ok(stallscope!.otlpGrpc && stallscope!.otlpHttp, 'the ready line names the OTLP endpoints');
  // Recent (otel_traces has a TTL), with nanoseconds past 2^53.
  const baseNanos = BigInt(Date.now() - 600_000) * 1_000_000n + 123_456_789n;
  for (const door of DOORS) {
    const generated = goldenSpans(`${runId}/${door}`, `golden-${door}-${runId}`, baseNanos);
    // JSON text is Unicode: keys and strings that are not UTF-8 go as a JSON sender has them.
    const spans = door === 'http-json' ? jsonRepresentable(generated) : generated;
    await send(door, spans);
    sent.set(door, spans);
  }
  const expected = [...sent.values()].flat().length;
  await until(
    async () => (await counterValue(stallscope!, 'stallscope_ingest_rows_inserted_total', { table: 'otel_traces' })) >= expected,
    `${expected} rows inserted into otel_traces`,
    120_000,
  );
  assert.equal(await counterValue(stallscope!, 'stallscope_collector_accepted_items_total', { signal: 'traces' }), expected - sent.get('kafka')!.length);
  assert.equal(await stallscope!.stop(), 0, 'stallscope exits cleanly on SIGTERM');
});

// The expected column values, computed from what was sent by the Collector's
// ClickHouse exporter's rules (pcommon.Value.AsString): its attribute maps are
// Map(String, String), so a value's type survives only in its rendering.
// Go's encoding/json (HTML escaping off, as pdata sets it) escapes as JSON.stringify
// does, plus U+2028 and U+2029, which it always escapes.
const goJsonString = (text: string) => JSON.stringify(text).replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
const oneCodePoint = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Go's encoding/json string of any bytes: a byte that starts no valid UTF-8 sequence is written as the escape \ufffd. */
function goJsonBytes(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; ) {
    const length = [1, 2, 3, 4].find((n) => {
      try {
        return at + n <= bytes.length && [...oneCodePoint.decode(bytes.subarray(at, at + n))].length === 1;
      } catch {
        return false;
      }
    });
    out += length === undefined ? '\\ufffd' : goJsonString(oneCodePoint.decode(bytes.subarray(at, at + length))).slice(1, -1);
    at += length ?? 1;
  }
  return `"${out}"`;
}
const goJsonKey = (key: string | Uint8Array) => (typeof key === 'string' ? goJsonString(key) : goJsonBytes(key));

function jsonOf(value: GoldenValue): string {
  if ('empty' in value) return 'null';
  if ('string' in value) return goJsonString(value.string);
  if ('rawString' in value) return goJsonBytes(value.rawString);
  // pdata's ByteSlice.AsRaw of no bytes is a nil slice, which Go marshals as null.
  if ('bytes' in value) return value.bytes.length === 0 ? 'null' : JSON.stringify(Buffer.from(value.bytes).toString('base64'));
  if ('array' in value) return `[${value.array.map(jsonOf).join(',')}]`;
  // pdata's AsRaw makes a Go map (keyed by the key's bytes: a repeated key's last value wins), which Go marshals with its keys sorted by their bytes.
  if ('kvlist' in value) {
    const lastByKey = [...new Map(value.kvlist.map((entry) => [Buffer.from(entry.key).toString('latin1'), entry])).values()];
    return `{${lastByKey.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))).map(({ key, value: v }) => `${goJsonKey(key)}:${jsonOf(v)}`).join(',')}}`;
  }
  return storedString(value).toString();
}

/** The bytes the exporter stores for a value: AsString's, a string's bytes as sent (ClickHouse strings are bytes). */
function storedString(value: GoldenValue): string | Buffer {
  if ('empty' in value) return '';
  if ('string' in value) return value.string;
  if ('rawString' in value) return Buffer.from(value.rawString);
  if ('bool' in value) return value.bool ? 'true' : 'false';
  if ('int' in value) return value.int.toString();
  // Go's float64AsString is ES6 Number-to-String, as JS's String(), but keeps the sign of -0.
  if ('double' in value) return Object.is(value.double, -0) ? '-0' : String(value.double);
  if ('bytes' in value) return Buffer.from(value.bytes).toString('base64');
  // Go's json.Marshal fails on a non-finite double; pdata keeps the empty output.
  return holdsNonFinite(value) ? '' : jsonOf(value);
}

function holdsNonFinite(value: GoldenValue): boolean {
  if ('double' in value) return !Number.isFinite(value.double);
  if ('array' in value) return value.array.some(holdsNonFinite);
  if ('kvlist' in value) return value.kvlist.some((entry) => holdsNonFinite(entry.value));
  return false;
}

/** A stored string's bytes as text: the string when they are UTF-8, else their hex, marked. */
const readable = (bytes: Buffer) => (isUtf8(bytes) ? bytes.toString('utf8') : `<not UTF-8: ${bytes.toString('hex')}>`);
type StoredPairs = [string, string][];
/** A map column read (or rendered by the oracle) as [hex key, hex value] pairs, as readable pairs. */
const fromHexPairs = (pairs: readonly (readonly [string, string])[]): StoredPairs =>
  pairs.map(([key, value]) => [readable(Buffer.from(key, 'hex')), readable(Buffer.from(value, 'hex'))]);

// The exporter's AttributesToMap: every entry, a repeated key each time, sorted
// by key bytes with Go's slices.SortFunc (pdqsort: not stable past 12 entries).
const storedMap = (attributes: readonly GoldenAttribute[]): StoredPairs =>
  goSortFunc(
    attributes.map(({ key, value }) => [Buffer.from(key), Buffer.from(storedString(value))] as const),
    ([a], [b]) => Buffer.compare(a, b),
  ).map(([key, value]) => [readable(key), readable(value)]);
const nanosText = (nanos: bigint) => nanos.toString();

/** A row whose attribute maps came as hex pairs (the store's and the oracle's), with readable pairs. */
function withReadableMaps(row: TraceRow): TraceRow {
  return {
    ...row,
    ResourceAttributes: fromHexPairs(row.ResourceAttributes),
    SpanAttributes: fromHexPairs(row.SpanAttributes),
    EventAttributes: row.EventAttributes.map(fromHexPairs),
    LinkAttributes: row.LinkAttributes.map(fromHexPairs),
  };
}

interface TraceRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: StoredPairs;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: StoredPairs;
  StartNs: string;
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  EventNs: string[];
  EventNames: string[];
  EventAttributes: StoredPairs[];
  LinkTraceIds: string[];
  LinkSpanIds: string[];
  LinkTraceStates: string[];
  LinkAttributes: StoredPairs[];
}

function expectedRow(span: GoldenSpan, serviceName: string): TraceRow {
  return {
    TraceId: span.traceId,
    SpanId: span.spanId,
    ParentSpanId: span.parentSpanId,
    TraceState: span.traceState,
    SpanName: span.name,
    // pdata's SpanKind.String() and StatusCode.String(), as the exporter writes them.
    SpanKind: ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'][span.kind]!,
    ServiceName: serviceName,
    ResourceAttributes: storedMap(span.resource),
    ScopeName: span.scope.name,
    ScopeVersion: span.scope.version,
    SpanAttributes: storedMap(span.attributes),
    StartNs: nanosText(span.startTimeUnixNano),
    Duration: nanosText(span.endTimeUnixNano - span.startTimeUnixNano),
    StatusCode: ['Unset', 'Ok', 'Error'][span.status.code]!,
    StatusMessage: span.status.message,
    EventNs: span.events.map((event) => nanosText(event.timeUnixNano)),
    EventNames: span.events.map((event) => event.name),
    EventAttributes: span.events.map((event) => storedMap(event.attributes)),
    LinkTraceIds: span.links.map((link) => link.traceId),
    LinkSpanIds: span.links.map((link) => link.spanId),
    LinkTraceStates: span.links.map((link) => link.traceState),
    LinkAttributes: span.links.map((link) => storedMap(link.attributes)),
  };
}

test('golden round trip: every span of every door is in otel_traces once, every field equal', { skip: skipReason, timeout: 120_000 }, async () => {
  assert.equal(sent.size, DOORS.length, 'the send test ran');
  const store = createStore({ ...storeConfigDefaults, chdbPath: chdbPath() }, { logger: createLogger('warn') });
  await store.start();
  try {
    for (const door of DOORS) {
      const spans = sent.get(door)!;
      const serviceName = `golden-${door}-${runId}`;
      const result = await store.client.query({
        // Maps as [hex key, hex value] pairs: JSON output would merge repeated keys and bend bytes that are not UTF-8.
        query: `WITH (m -> arrayMap((k, v) -> [hex(k), hex(v)], mapKeys(m), mapValues(m))) AS pairs
                SELECT TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, pairs(ResourceAttributes) AS ResourceAttributes,
                       ScopeName, ScopeVersion, pairs(SpanAttributes) AS SpanAttributes, toString(toUnixTimestamp64Nano(Timestamp)) AS StartNs,
                       toString(Duration) AS Duration, StatusCode, StatusMessage, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS EventNs,
                       Events.Name AS EventNames, arrayMap(m -> pairs(m), Events.Attributes) AS EventAttributes, Links.TraceId AS LinkTraceIds,
                       Links.SpanId AS LinkSpanIds, Links.TraceState AS LinkTraceStates, arrayMap(m -> pairs(m), Links.Attributes) AS LinkAttributes
                FROM otel_traces WHERE ServiceName = {service:String}`,
        query_params: { service: serviceName },
        format: 'JSONEachRow',
      });
      const rows = (await result.json<TraceRow>()).map(withReadableMaps);
      const bySpanId = new Map(rows.map((row) => [row.SpanId, row]));
      assert.equal(bySpanId.size, rows.length, `${door}: no span stored twice`);
      const collectorRowsBySpanId = collectorRows<TraceRow>(oracle, exportRequestProto(spans));
      let equal = 0;
      for (const span of spans) {
        const row = bySpanId.get(span.spanId);
        assert.ok(row, `${door}: span ${span.name} is stored`);
        assert.deepEqual(row, expectedRow(span, serviceName), `${door}: span ${span.name}, against the documented mapping`);
        const collectorRow = collectorRowsBySpanId.get(span.spanId);
        assert.ok(collectorRow, `${door}: the oracle renders span ${span.name}`);
        assert.deepEqual(row, withReadableMaps(collectorRow), `${door}: span ${span.name}, against the Collector's pdata`);
        equal += 1;
      }
      assert.equal(rows.length, spans.length, `${door}: one row per span sent`);
      console.log(`golden round trip, ${door}: ${spans.length} spans sent, ${equal} read back equal`);
    }
  } finally {
    await store.stop();
  }
});
