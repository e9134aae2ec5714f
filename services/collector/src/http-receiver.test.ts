// OTLP/HTTP bad input and refusals: each gets its status and a message, is
// counted, and the collector keeps serving. Starts: collectors on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from '@stallscope/ingest';
import { Topics } from '@stallscope/schemas';
import type { TransportProducer } from '@stallscope/transport';
import { otlpRawStringType, otlpType } from './otlp-types.js';
import { metricValue, startTestCollector, type TestCollector } from './test-collector.js';

const MAX_REQUEST_BYTES = 64 * 1024;
let harness: TestCollector;

before(async () => {
  harness = await startTestCollector({ maxRequestBytes: MAX_REQUEST_BYTES });
});

after(async () => {
  await harness.stop();
});

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

function jsonSpan(spanId: string, name = 'op') {
  return {
    traceId: TRACE_ID,
    spanId,
    name,
    kind: 'SPAN_KIND_SERVER',
    startTimeUnixNano: '1700000000123456789',
    endTimeUnixNano: '1700000000223456789',
    attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }],
    status: { code: 2, message: 'boom' },
  };
}

function jsonTraces(spans: unknown[]) {
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-app' } }] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] };
}

async function post(path: string, body: Buffer | string, headers: Record<string, string>, url = harness.httpUrl) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: bytes.toString('utf8') };
}

const refused = (reason: string, signal = 'traces') =>
  metricValue(harness.registry, 'stallscope_collector_refused_total', { signal, reason });

test('OTLP/JSON: enum names and ints, int64 strings beyond 2^53 and hex ids are re-encoded exactly', async () => {
  const before = harness.delivered.get(Topics.spans)!.length;
  const response = await post('/v1/traces', JSON.stringify(jsonTraces([jsonSpan('eee19b7ec3c1b174')])), { 'content-type': 'application/json' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(JSON.parse(response.text), {});
  const [message] = (await harness.waitForMessages(Topics.spans, before + 1)).slice(before);
  assert.equal(message!.key?.toString(), TRACE_ID);
  const span = decodeExportTraceServiceRequest(message!.value).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.equal(Buffer.from(span.spanId).toString('hex'), 'eee19b7ec3c1b174');
  assert.equal(span.kind, 2);
  assert.equal(span.startTimeUnixNano, 1_700_000_000_123_456_789n);
  assert.deepEqual(span.attributes, [{ key: 'big', value: { type: 'int', value: 9_007_199_254_740_993n } }]);
  assert.deepEqual(span.status, { code: 2, message: 'boom' });
});

test('partial success: a span with an all-zero id is left out and reported; the rest is produced', async () => {
  const before = harness.delivered.get(Topics.spans)!.length;
  const body = jsonTraces([jsonSpan('0000000000000000', 'bad'), jsonSpan('1111111111111111', 'good')]);
  const response = await post('/v1/traces', JSON.stringify(body), { 'content-type': 'application/json' });
  assert.equal(response.status, 200);
  const { partialSuccess } = JSON.parse(response.text) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
  assert.equal(partialSuccess.rejectedSpans, '1');
  assert.match(partialSuccess.errorMessage, /span_id must not be all zeros/);
  const [message] = (await harness.waitForMessages(Topics.spans, before + 1)).slice(before);
  const spans = decodeExportTraceServiceRequest(message!.value).resourceSpans[0]!.scopeSpans[0]!.spans;
  assert.deepEqual(spans.map((span) => span.name), ['good']);
});

test('partial success in protobuf: the response is an ExportTraceServiceResponse', async () => {
  const type = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const request = type.fromObject({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(3, 1), name: 'short id' }] }] }],
  });
  const response = await post('/v1/traces', Buffer.from(type.encode(request).finish()), { 'content-type': 'application/x-protobuf' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
  const decoded = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse').decode(response.bytes).toJSON();
  assert.deepEqual(decoded, { partialSuccess: { rejectedSpans: '1', errorMessage: '1 rejected; first: span_id must be 8 bytes, got 3' } });
});

test('protobuf: attribute keys, strings and span names that are not UTF-8 reach the topic as sent, also when the request is re-encoded', async () => {
  const before = harness.delivered.get(Topics.spans)!.length;
  const type = otlpRawStringType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const bad = Buffer.from([0x61, 0xff, 0xe2, 0x82]);
  const attributes = [{ key: Buffer.from([0x6b, 0xff]), value: { arrayValue: { values: [{ stringValue: bad }] } } }];
  // The rejected span makes the collector encode a request of its own.
  const request = type.fromObject({
    resourceSpans: [
      {
        resource: { attributes },
        scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(3, 1), name: Buffer.from('short id') }, { traceId: Buffer.alloc(16, 2), spanId: Buffer.alloc(8, 2), name: Buffer.from([0x6b, 0xff]), attributes }] }],
      },
    ],
  });
  const response = await post('/v1/traces', Buffer.from(type.encode(request).finish()), { 'content-type': 'application/x-protobuf' });
  assert.equal(response.status, 200);
  const [message] = (await harness.waitForMessages(Topics.spans, before + 1)).slice(before);
  const resourceSpans = decodeExportTraceServiceRequest(message!.value).resourceSpans[0]!;
  const expected = [{ key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xff]), value: { type: 'array', values: [{ type: 'string', value: 'a\uFFFD\uFFFD', bytes: Uint8Array.from(bad) }] } }];
  assert.deepEqual(resourceSpans.resource.attributes, expected);
  assert.deepEqual(resourceSpans.scopeSpans[0]!.spans.map((span) => [span.name, span.attributes]), [[Uint8Array.from([0x6b, 0xff]), expected]]);
});

test('OTLP/JSON is UTF-8 text: bytes in it that are not UTF-8 are read as U+FFFD, one per bad sequence', async () => {
  const before = harness.delivered.get(Topics.spans)!.length;
  const body = Buffer.from(JSON.stringify(jsonTraces([{ ...jsonSpan('2222222222222222'), attributes: [{ key: 'k', value: { stringValue: 'a@@b' } }] }])));
  body.set([0xe2, 0x82], body.indexOf('@@'));
  const response = await post('/v1/traces', body, { 'content-type': 'application/json' });
  assert.equal(response.status, 200);
  const [message] = (await harness.waitForMessages(Topics.spans, before + 1)).slice(before);
  const span = decodeExportTraceServiceRequest(message!.value).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
  assert.deepEqual(span.attributes, [{ key: 'k', value: { type: 'string', value: 'a\uFFFDb' } }]);
});

test('metrics and logs: JSON bodies go to otlp_metrics and otlp_logs as protobuf', async () => {
  const metrics = {
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ asInt: '5', timeUnixNano: '1700000000000000000' }, { asDouble: 1.5 }] } }] }] }],
  };
  const metricsBefore = harness.delivered.get(Topics.metrics)!.length;
  assert.equal((await post('/v1/metrics', JSON.stringify(metrics), { 'content-type': 'application/json' })).status, 200);
  const [metricMessage] = (await harness.waitForMessages(Topics.metrics, metricsBefore + 1)).slice(metricsBefore);
  const metric = decodeExportMetricsServiceRequest(metricMessage!.value).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
  assert.equal(metric.name, 'queue.depth');
  assert.equal(metric.data.type, 'gauge');
  assert.deepEqual(
    metric.data.type === 'gauge' ? metric.data.dataPoints.map((point) => [point.timeUnixNano, point.value]) : [],
    [
      [1700000000000000000n, { type: 'int', value: 5n }],
      [0n, { type: 'double', value: 1.5 }],
    ],
    'int64 kept exact from its JSON string, doubles as numbers',
  );
  assert.equal(await metricValue(harness.registry, 'stallscope_collector_accepted_items_total', { signal: 'metrics' }), 2);

  const logs = {
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityNumber: 'SEVERITY_NUMBER_WARN', body: { stringValue: 'disk slow' }, traceId: TRACE_ID, spanId: 'eee19b7ec3c1b174' }] }] }],
  };
  const logsBefore = harness.delivered.get(Topics.logs)!.length;
  assert.equal((await post('/v1/logs', JSON.stringify(logs), { 'content-type': 'application/json' })).status, 200);
  const [logMessage] = (await harness.waitForMessages(Topics.logs, logsBefore + 1)).slice(logsBefore);
  const request = otlpType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest').decode(logMessage!.value);
  const record = (request.toJSON() as { resourceLogs: { scopeLogs: { logRecords: Record<string, unknown>[] }[] }[] }).resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
  assert.equal(record.severityNumber, 'SEVERITY_NUMBER_WARN');
  assert.deepEqual(record.body, { stringValue: 'disk slow' });
  assert.equal(Buffer.from(record.traceId as string, 'base64').toString('hex'), TRACE_ID);
});

test('malformed protobuf: 400 with a google.rpc.Status naming the problem, counted', async () => {
  const before = await refused('malformed');
  const response = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
  assert.equal(response.status, 400);
  const status = otlpType('google.rpc.Status').decode(response.bytes).toJSON() as { code: number; message: string };
  assert.equal(status.code, 3);
  assert.match(status.message, /not an OTLP ExportTraceServiceRequest in protobuf/);
  assert.equal(await refused('malformed'), before + 1);
});

test('bad JSON, a JSON array, a bad hex id, a wrong field type: 400 with a message each', async () => {
  for (const [body, pattern] of [
    ['{"resourceSpans": [', /not valid JSON/],
    ['[]', /must be a JSON object/],
    [JSON.stringify(jsonTraces([{ ...jsonSpan('zz'), spanId: 'not-hex' }])), /spanId is not a hex string/],
    ['{"resourceSpans": 5}', /not an OTLP ExportTraceServiceRequest/],
  ] as const) {
    const response = await post('/v1/traces', body, { 'content-type': 'application/json' });
    assert.equal(response.status, 400, body);
    assert.match((JSON.parse(response.text) as { message: string }).message, pattern);
  }
});

test('wrong content type or encoding: 415; wrong path 404; GET 405', async () => {
  const before = await refused('unsupported_media_type');
  const plain = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
  assert.equal(plain.status, 415);
  assert.match((JSON.parse(plain.text) as { message: string }).message, /content-type must be application\/x-protobuf or application\/json/);
  const brotli = await post('/v1/traces', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' });
  assert.equal(brotli.status, 415);
  assert.equal(await refused('unsupported_media_type'), before + 2);
  assert.equal((await post('/v1/spans', '{}', { 'content-type': 'application/json' })).status, 404);
  assert.equal((await fetch(`${harness.httpUrl}/v1/traces`)).status, 405);
});

test('oversize body: 413 with the bound in the message, counted', async () => {
  const before = await refused('too_large');
  const big = Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20);
  const response = await post('/v1/traces', big, { 'content-type': 'application/json' });
  assert.equal(response.status, 413);
  assert.match((JSON.parse(response.text) as { message: string }).message, /exceeds 65536 bytes/);
  assert.equal(await refused('too_large'), before + 1);
});

test('gzip bomb: decompression stops at the bound, 413; bad gzip 400', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
  assert.ok(bomb.length < MAX_REQUEST_BYTES, 'the compressed body itself is under the bound');
  const before = await refused('too_large');
  const response = await post('/v1/traces', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(response.status, 413);
  assert.match((JSON.parse(response.text) as { message: string }).message, /decompressed request body exceeds/);
  assert.equal(await refused('too_large'), before + 1);
  const notGzip = await post('/v1/traces', '{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
  assert.equal(notGzip.status, 400);
  assert.match((JSON.parse(notGzip.text) as { message: string }).message, /not valid gzip/);
  // Still serving.
  assert.equal((await post('/v1/traces', '{}', { 'content-type': 'application/json' })).status, 200);
});

test('transport unreachable: past the in-flight bound 503 + Retry-After, counted; memory held stays under the bound', async () => {
  // A producer whose sends hang, as kafkajs does while no broker answers.
  const hanging: Array<() => void> = [];
  const stalled: TransportProducer = {
    start: async () => {},
    stop: async () => {},
    send: () => new Promise<void>((resolve) => hanging.push(resolve)),
  };
  const maxInFlightBytes = 4096;
  const stuck = await startTestCollector({ maxInFlightBytes, sendTimeoutMs: 60_000, retryAfterSeconds: 7 }, { producer: stalled });
  try {
    const body = JSON.stringify(jsonTraces([jsonSpan('2222222222222222')]));
    const pending = [];
    let refusal;
    for (let i = 0; i < 20 && !refusal; i++) {
      const request = post('/v1/traces', body, { 'content-type': 'application/json' }, stuck.httpUrl);
      const first = await Promise.race([request, new Promise((resolve) => setTimeout(() => resolve(undefined), 50))]);
      if (first) refusal = first as Awaited<typeof request>;
      else pending.push(request);
    }
    assert.ok(refusal, 'a request was refused once the bound was reached');
    assert.equal(refusal.status, 503);
    assert.equal(refusal.headers.get('retry-after'), '7');
    assert.match((JSON.parse(refusal.text) as { message: string }).message, /in-flight bound/);
    assert.ok(pending.length * body.length <= maxInFlightBytes, 'no more than the bound was held');
    assert.equal(await metricValue(stuck.registry, 'stallscope_collector_refused_total', { signal: 'traces', reason: 'in_flight_limit' }), 1);
    for (const resolve of hanging) resolve();
    for (const response of await Promise.all(pending)) assert.equal(response.status, 200);
    assert.equal(await metricValue(stuck.registry, 'stallscope_collector_in_flight_bytes', {}), 0);
  } finally {
    for (const resolve of hanging) resolve();
    await stuck.stop();
  }
});

test('transport error: 503 + Retry-After, counted as transport_error', async () => {
  const failing: TransportProducer = {
    start: async () => {},
    stop: async () => {},
    send: async () => {
      throw new Error('broker not reachable');
    },
  };
  const broken = await startTestCollector({}, { producer: failing });
  try {
    const response = await post('/v1/traces', JSON.stringify(jsonTraces([jsonSpan('3333333333333333')])), { 'content-type': 'application/json' }, broken.httpUrl);
    assert.equal(response.status, 503);
    assert.match((JSON.parse(response.text) as { message: string }).message, /broker not reachable/);
    assert.equal(await metricValue(broken.registry, 'stallscope_collector_refused_total', { signal: 'traces', reason: 'transport_error' }), 1);
  } finally {
    await broken.stop();
  }
});
