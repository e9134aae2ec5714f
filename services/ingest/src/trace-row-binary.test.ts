// Spans straight from protobuf to RowBinary against the decoded way: for every
// request both take, the same bytes row for row; for every request the decoded
// way rejects, nothing from the direct way. The direct way is checked as it
// runs (the WebAssembly encoder, then the JavaScript one for what it leaves)
// and each of its two encoders alone. Requests are generated (seeded) over what
// OTLP allows, then mutated byte by byte. The column layout is the real
// otel_traces' (chDB), and an agent's spans go into it the direct way, through
// the WebAssembly encoder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@stallscope/common';
import { SpanAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { decodeExportTraceServiceRequest } from './otlp-decode.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { serializeSpans, serializeSpansJson, slowSyscallSpan } from './otlp-fixtures.js';
import { otlpMessageTypes } from './otlp-schema.js';
import { encodeRowBinary, type ColumnCodec, type EncodedRow } from './row-binary.js';
import { storedColumns, tableCodecs } from './row-binary-insert.js';
import { RowBufferPool } from './row-buffer-pool.js';
import { Tables, traceRows } from './rows.js';
import { encodeTraceRows, encodeTraceRowsJs, encodeTraceRowsWasm, traceRowLayout, wasmTraceRowsUnavailable, type TraceRowLayout } from './trace-row-binary.js';
import { seededRandom } from '@stallscope/common/test-support';
import { NOT_UTF8_BYTES, NOT_UTF8_MARK, mutatedRequests, otlpValueGenerator, withBytesNotUtf8 } from './otlp-value-generator.js';

const dir = mkdtempSync(join(tmpdir(), 'stallscope-trace-row-binary-'));
let store: Store;
let layout: TraceRowLayout;
let codecs: (readonly [string, ColumnCodec])[];

before(async () => {
  store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger: createLogger('silent') });
  await store.start();
  const found = traceRowLayout(await storedColumns(store.client, Tables.traces));
  assert.ok('columns' in found, `otel_traces can be written directly: ${'unsupported' in found ? found.unsupported : ''}`);
  layout = found;
  const described = await tableCodecs(store.client, Tables.traces);
  assert.ok('columns' in described);
  codecs = described.columns;
});

after(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The decoded way's rows, each in RowBinary; or the error it rejects the request with. */
function decodedWay(payload: Uint8Array): Buffer[] | Error {
  let rows;
  try {
    rows = traceRows(decodeExportTraceServiceRequest(payload));
  } catch (err) {
    return err as Error;
  }
  return rows.map((row) => Buffer.concat(encodeRowBinary([row], codecs.filter(([name]) => name in row))));
}

/** Requests the WebAssembly encoder took, over every agree() call. */
let wasmTaken = 0;
/** Its rows' buffers for the pooled way, released after each check: later requests get buffers holding earlier rows. */
const pool = new RowBufferPool(8 * 1024 * 1024);
/** Requests with rows from the pooled way, and those of them whose rows went into a buffer used before. */
let pooledRequests = 0;
let pooledReused = 0;

/** Asserts the direct way and each of its encoders agree with the decoded way on `payload`; true when the direct way took it. */
function agree(payload: Uint8Array, label: string): boolean {
  const decoded = decodedWay(payload);
  const ways: [string, EncodedRow[] | undefined][] = [
    ['direct', encodeTraceRows(payload, layout)],
    ['WebAssembly', encodeTraceRowsWasm(payload, layout)],
    ['JavaScript', encodeTraceRowsJs(payload, layout)],
  ];
  const freeBefore = pool.freeBytes;
  const pooled = encodeTraceRowsWasm(payload, layout, (length) => pool.take(length));
  if (pooled && pooled.length > 0) {
    assert.ok(pooled.every((row) => row.bytes.buffer === pooled[0]!.bytes.buffer), `${label}: a request's pooled rows share one buffer`);
    pooledRequests++;
    if (pool.freeBytes < freeBefore) pooledReused++;
  }
  ways.push(['WebAssembly, into pooled buffers', pooled]);
  if (ways[1]![1]) wasmTaken++;
  if (decoded instanceof Error) assert.ok(decoded instanceof OtlpDecodeError, `${label}: bad input must give OtlpDecodeError (a dead letter), not ${decoded.stack}`);
  for (const [way, rows] of ways) {
    if (decoded instanceof Error) {
      assert.equal(rows, undefined, `${label}: the decoded way rejects it (${decoded.message}), the ${way} encoder must not take it`);
      continue;
    }
    if (!rows) continue;
    assert.equal(rows.length, decoded.length, `${label}: ${way} rows`);
    rows.forEach((row, index) => {
      assert.deepEqual(row.columns, layout.columns);
      assert.ok(Buffer.from(row.bytes).equals(decoded[index]!), `${label}: ${way} row ${index} differs\n ${way}: ${Buffer.from(row.bytes).toString('hex')}\ndecoded: ${decoded[index]!.toString('hex')}`);
    });
  }
  // What the WebAssembly encoder takes, the JavaScript one takes too: it only leaves it work.
  if (ways[1]![1]) assert.ok(ways[2]![1], `${label}: the JavaScript encoder takes what the WebAssembly one does`);
  if (pooled?.[0]) pool.release([pooled[0].bytes.buffer]);
  return ways[0]![1] !== undefined;
}

function requestGenerator(next: () => number) {
  const { pick, chance, bytes, TEXTS, attributes, time } = otlpValueGenerator(next);

  function id(length: number): Uint8Array {
    const roll = next();
    if (roll < 0.005) return new Uint8Array(length);
    if (roll < 0.01) return bytes(length + 1);
    return bytes(length);
  }

  function span(): object {
    const start = time();
    const end = chance(0.95) ? start : time();
    return {
      traceId: id(16),
      spanId: id(8),
      traceState: chance(0.1) ? pick(TEXTS) : '',
      parentSpanId: pick([new Uint8Array(0), new Uint8Array(8), bytes(8), bytes(3)]),
      flags: chance(0.5) ? 257 : 0,
      name: pick(TEXTS),
      kind: pick([0, 1, 2, 3, 4, 5, 6, -1]),
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      attributes: attributes(chance(0.1) ? 20 : 8),
      droppedAttributesCount: Math.floor(next() * 3),
      events: chance(0.02) ? [{ timeUnixNano: start, name: 'event', attributes: attributes(2) }] : [],
      links: chance(0.02) ? [{ traceId: bytes(16), spanId: bytes(8), traceState: '', attributes: attributes(2) }] : [],
      status: chance(0.5) ? { code: pick([0, 1, 2, 3]), message: chance(0.2) ? pick(TEXTS) : '' } : undefined,
    };
  }

  return function request(): Buffer {
    const resourceSpans = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
      resource: chance(0.9) ? { attributes: attributes(chance(0.2) ? 16 : 6), droppedAttributesCount: Math.floor(next() * 2) } : undefined,
      scopeSpans: Array.from({ length: Math.floor(next() * 3) }, () => ({
        scope: chance(0.8) ? { name: pick(['stallscope.bpf-agent', '', 'é', `bad ${NOT_UTF8_MARK}`]), version: pick(['', '0.1.0', `0.${NOT_UTF8_MARK}`]), attributes: attributes(2) } : undefined,
        spans: Array.from({ length: Math.floor(next() * 4) }, span),
        schemaUrl: chance(0.2) ? 'https://opentelemetry.io/schemas/1.26.0' : '',
      })),
      schemaUrl: '',
    }));
    const type = otlpMessageTypes().exportTraceServiceRequest;
    return withBytesNotUtf8(type.encode(type.fromObject({ resourceSpans })).finish());
  };
}

describe('spans straight from protobuf to RowBinary', () => {
  it('writes an agent\'s slow-syscall spans (array attributes included) as the decoded way does, with the WebAssembly encoder', () => {
    assert.equal(wasmTraceRowsUnavailable, undefined, 'the WebAssembly encoder is built (make -C services/ingest)');
    const span = slowSyscallSpan();
    // The agent sends no events or links, and no doubles (the fixture's test.ratio).
    const { 'stallscope.test.ratio': ratio, ...agentAttributes } = span.attributes;
    assert.equal(typeof ratio, 'number');
    const agentSpan = { ...span, events: [], links: [], attributes: { ...agentAttributes, [SpanAttr.userStack]: ['runtime.futex', 'runtime.notesleep'] } };
    const payload = serializeSpans([agentSpan, { ...agentSpan, name: 'syscall futex' }]);
    assert.equal(agree(payload, 'agent spans'), true, 'the direct way takes an agent request');
    assert.ok(encodeTraceRowsWasm(payload, layout), 'the WebAssembly encoder takes it');
    const withDouble = serializeSpans([{ ...agentSpan, attributes: { ...agentSpan.attributes, 'stallscope.test.ratio': 0.25 } }]);
    assert.equal(encodeTraceRowsWasm(withDouble, layout), undefined, 'the WebAssembly encoder leaves a double');
    assert.equal(agree(withDouble, 'a double'), true, 'the JavaScript encoder takes it');
  });

  it('takes span names and status messages that are not UTF-8 (trace states and scopes: the generated requests), and writes the bytes sent', () => {
    const span = { ...slowSyscallSpan(), events: [], links: [], name: `read ${NOT_UTF8_MARK}`, status: { code: 2, message: `EIO ${NOT_UTF8_MARK}` } };
    const payload = withBytesNotUtf8(serializeSpans([span]));
    assert.equal(agree(payload, 'strings not UTF-8'), true, 'the direct way takes them');
    const row = Buffer.from(encodeTraceRows(payload, layout)![0]!.bytes);
    for (const text of ['read ', 'EIO ']) {
      assert.ok(row.includes(Buffer.concat([Buffer.from(text), Buffer.from(NOT_UTF8_BYTES)])), `"${text}" is followed by the bytes sent`);
    }
  });

  it('writes attributes sent already sorted (a repeated key among them), after a span with more of them, and ints at the edges of exact doubles, as the decoded way does', () => {
    const keys = Array.from({ length: 20 }, (_, index) => `key.${String(index).padStart(2, '0')}`);
    const INTS = [0, 7, -7, 9, 10, 99, 100, -100, 2 ** 32, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, -(2 ** 53), '-9223372036854775808', '9223372036854775807'];
    const attributes = (names: string[]) => names.map((key, index) => ({ key, value: { intValue: INTS[index % INTS.length] } }));
    const span = (spanAttributes: object[]) => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'futex', startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: spanAttributes });
    const repeated = [...keys.slice(0, 10), keys[9]!, ...keys.slice(10)];
    const type = otlpMessageTypes().exportTraceServiceRequest;
    const payload = type.encode(
      type.fromObject({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  span(attributes(keys)),
                  span([{ key: 'ints', value: { arrayValue: { values: INTS.map((intValue) => ({ intValue })) } } }]),
                  span(attributes(repeated)),
                  span(attributes([...keys].reverse())),
                  span(attributes(keys.slice(0, 3))),
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    assert.equal(agree(payload, 'sorted attributes'), true, 'the direct way takes them');
    const rows = encodeTraceRows(payload, layout)!;
    const written = Buffer.from(rows[4]!.bytes);
    assert.ok(written.includes(Buffer.from('key.02')) && !written.includes(Buffer.from('key.03')), 'a span has its own attributes only');
  });

  it('writes rows many times larger than their request (a large resource under many spans), and leaves a resource past its scratch to the JavaScript encoder', () => {
    const span = (index: number) => ({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, index + 1), name: 'futex', startTimeUnixNano: '1', endTimeUnixNano: '2' });
    const request = (resourceBytes: number) => {
      const type = otlpMessageTypes().exportTraceServiceRequest;
      const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'big' } }, { key: 'x', value: { stringValue: 'v'.repeat(resourceBytes) } }] };
      return type.encode(type.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ spans: Array.from({ length: 40 }, (_, index) => span(index)) }] }] })).finish();
    };
    const large = request(50_000);
    const rows = encodeTraceRowsWasm(large, layout);
    assert.ok(rows, 'the WebAssembly encoder takes it');
    assert.ok(rows.reduce((total, row) => total + row.bytes.length, 0) > 10 * large.length, 'its rows are over ten times its size');
    assert.equal(agree(large, 'a large resource'), true);
    const larger = request(70_000);
    assert.equal(encodeTraceRowsWasm(larger, layout), undefined, 'a resource map past 64 KiB is left');
    assert.equal(agree(larger, 'a resource past the scratch'), true, 'the JavaScript encoder takes it');
  });

  it('leaves span events and links, and otlp_json, to the decoded way', () => {
    assert.equal(encodeTraceRows(serializeSpans([slowSyscallSpan()]), layout), undefined);
    assert.equal(encodeTraceRows(serializeSpansJson([{ ...slowSyscallSpan(), events: [], links: [] }]), layout), undefined);
  });

  it('agrees with the decoded way on 3,000 generated requests, and takes a good share of them', () => {
    const request = requestGenerator(seededRandom(20261122));
    const [pooledBefore, reusedBefore] = [pooledRequests, pooledReused];
    let taken = 0;
    let rejected = 0;
    const total = 3000;
    for (let index = 0; index < total; index++) {
      const payload = request();
      if (agree(payload, `request ${index}`)) taken++;
      else if (decodedWay(payload) instanceof Error) rejected++;
    }
    // Every generated request has a chance of something only the decoded way writes (events,
    // links, maps, nested arrays, bytes not UTF-8 inside arrays).
    assert.ok(taken > total / 4, `taken ${taken} of ${total}`);
    assert.ok(rejected > 0, 'some generated requests are invalid (ids, times)');
    // It leaves doubles, bytes, maps and strings in arrays that JSON escapes or that are not ASCII.
    assert.ok(wasmTaken > total / 20, `the WebAssembly encoder took ${wasmTaken} requests`);
    // Each request's pooled buffer is released before the next one takes one: all but the first of a size class reuse one.
    const pooled = pooledRequests - pooledBefore;
    assert.ok(pooled > 0 && pooledReused - reusedBefore >= pooled - 1, `${pooledReused - reusedBefore} of ${pooled} requests' pooled rows went into a buffer used before`);
  });

  it('takes nothing the decoded way rejects, and agrees on the rest, over 20,000 mutated requests', () => {
    const next = seededRandom(7);
    const request = requestGenerator(next);
    let taken = 0;
    for (const [payload, index] of mutatedRequests(request, next, 20_000)) if (agree(payload, `mutation ${index}`)) taken++;
    assert.ok(taken > 0, 'some mutated requests are still taken');
  });
});
