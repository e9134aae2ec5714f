// Metric points (exponential histograms, sums, gauges) straight from protobuf
// to RowBinary against the decoded way: for every request both take, the same
// bytes row for row, table by table; for every request the decoded way
// rejects, nothing from the direct way. Requests are generated (seeded) over
// what OTLP allows, then mutated byte by byte. The column layouts are the real
// tables' (chDB), and an agent's export goes into them the direct way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@stallscope/common';
import { seededRandom } from '@stallscope/common/test-support';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { METRIC_ROW_TABLES, encodeMetricRows, metricRowLayouts, type MetricRowLayouts } from './metric-row-binary.js';
import { metricRows } from './metric-rows.js';
import { decodeExportMetricsServiceRequest } from './otlp-decode.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { cpuGaugeMetrics, serializeMetrics, serializeMetricsJson, syscallDurationMetrics } from './otlp-fixtures.js';
import { otlpMessageTypes } from './otlp-schema.js';
import { NOT_UTF8_BYTES, NOT_UTF8_MARK, mutatedRequests, otlpValueGenerator, withBytesNotUtf8 } from './otlp-value-generator.js';
import { encodeRowBinary, type ColumnCodec } from './row-binary.js';
import { storedColumns, tableCodecs } from './row-binary-insert.js';
import { Tables, type TableName } from './rows.js';

const dir = mkdtempSync(join(tmpdir(), 'stallscope-metric-row-binary-'));
let store: Store;
let layouts: MetricRowLayouts;
const codecs = new Map<TableName, (readonly [string, ColumnCodec])[]>();

before(async () => {
  store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger: createLogger('silent') });
  await store.start();
  const described = new Map<TableName, { name: string; type: string }[]>();
  for (const table of METRIC_ROW_TABLES) {
    described.set(table, await storedColumns(store.client, table));
    const found = await tableCodecs(store.client, table);
    assert.ok('columns' in found);
    codecs.set(table, found.columns);
  }
  const found = metricRowLayouts(described);
  assert.ok(!('unsupported' in found), `the tables can be written directly: ${'unsupported' in found ? found.unsupported : ''}`);
  layouts = found;
});

after(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The decoded way's rows of the direct way's tables, each in RowBinary, and whether it had rows of another table; or the error it rejects the request with. */
function decodedWay(payload: Uint8Array): { rows: Map<TableName, Buffer[]>; others: boolean } | Error {
  let decoded;
  try {
    decoded = metricRows(decodeExportMetricsServiceRequest(payload));
  } catch (err) {
    return err as Error;
  }
  const byTable: [TableName, readonly object[]][] = [
    [Tables.exponentialHistograms, decoded.exponentialHistograms],
    [Tables.sums, decoded.sums],
    [Tables.gauges, decoded.gauges],
  ];
  const rows = new Map<TableName, Buffer[]>();
  for (const [table, tableRows] of byTable) {
    const columns = codecs.get(table)!;
    if (tableRows.length > 0) rows.set(table, tableRows.map((row) => Buffer.concat(encodeRowBinary([row], columns.filter(([name]) => name in row)))));
  }
  return { rows, others: decoded.histograms.length + decoded.summaries.length + decoded.metricsWithoutData > 0 };
}

/** Asserts the direct way agrees with the decoded way on `payload`; true when the direct way took it. */
function agree(payload: Uint8Array, label: string): boolean {
  const decoded = decodedWay(payload);
  const direct = encodeMetricRows(payload, layouts);
  if (decoded instanceof Error) {
    assert.ok(decoded instanceof OtlpDecodeError, `${label}: bad input must give OtlpDecodeError (a dead letter), not ${decoded.stack}`);
    assert.equal(direct, undefined, `${label}: the decoded way rejects it (${decoded.message}), the direct way must not take it`);
    return false;
  }
  if (!direct) return false;
  assert.equal(decoded.others, false, `${label}: the direct way took a request with rows of other tables, or metrics without data`);
  assert.deepEqual([...direct.keys()], [...decoded.rows.keys()], `${label}: tables`);
  for (const [table, rows] of direct) {
    const expected: Buffer[] = decoded.rows.get(table)!;
    assert.equal(rows.length, expected.length, `${label}: ${table} rows`);
    rows.forEach((row, index) => {
      assert.ok(
        Buffer.from(row.bytes).equals(expected[index]!),
        `${label}: ${table} row ${index} differs\n direct: ${Buffer.from(row.bytes).toString('hex')}\ndecoded: ${expected[index]!.toString('hex')}`,
      );
    });
  }
  return true;
}

function requestGenerator(next: () => number) {
  const { pick, chance, bytes, TEXTS, INTS, DOUBLES, attributes, time } = otlpValueGenerator(next);
  const COUNTS = ['0', '1', '7', '4294967296', '9007199254740993', '9223372036854775809', '18446744073709551615'];
  const count = () => pick(COUNTS);
  const buckets = () => ({ offset: pick([0, 1, -1, 20, -2147483648, 2147483647]), bucketCounts: Array.from({ length: Math.floor(next() * 5) }, count) });

  function point(): object {
    return {
      attributes: attributes(chance(0.1) ? 12 : 6),
      startTimeUnixNano: time(),
      timeUnixNano: time(),
      count: count(),
      ...(chance(0.8) ? { sum: pick(DOUBLES) } : {}),
      scale: pick([0, 1, -1, 20, -10]),
      zeroCount: count(),
      ...(chance(0.9) ? { positive: buckets() } : {}),
      ...(chance(0.3) ? { negative: buckets() } : {}),
      flags: pick([0, 1, 4294967295]),
      exemplars: chance(0.02) ? [{ timeUnixNano: time(), asDouble: 1.5, spanId: bytes(8), traceId: bytes(16) }] : [],
      ...(chance(0.7) ? { min: pick(DOUBLES) } : {}),
      ...(chance(0.7) ? { max: pick(DOUBLES) } : {}),
      zeroThreshold: chance(0.1) ? 1e-9 : 0,
    };
  }

  function numberPoint(): object {
    const roll = next();
    const value = roll < 0.45 ? { asDouble: pick(DOUBLES) } : roll < 0.9 ? { asInt: pick(INTS) } : {};
    return {
      attributes: attributes(chance(0.1) ? 12 : 6),
      startTimeUnixNano: time(),
      timeUnixNano: time(),
      ...value,
      exemplars: chance(0.02) ? [{ timeUnixNano: time(), asInt: 3 }] : [],
      flags: pick([0, 1, 4294967295]),
    };
  }

  function metric(): object {
    const identity = { name: pick(['syscall.duration', '', ...TEXTS]), description: chance(0.3) ? pick(TEXTS) : '', unit: pick(['ns', '', `u${NOT_UTF8_MARK}`]) };
    const metadata = chance(0.05) ? { metadata: attributes(2) } : {};
    const numberPoints = () => Array.from({ length: Math.floor(next() * 4) }, numberPoint);
    const roll = next();
    if (roll < 0.02) return { ...identity, ...metadata, histogram: { dataPoints: [{ timeUnixNano: time(), count: '1', bucketCounts: ['1'] }] } };
    if (roll < 0.03) return { ...identity, ...metadata };
    if (roll < 0.2) return { ...identity, ...metadata, gauge: { dataPoints: numberPoints() } };
    if (roll < 0.4) {
      return { ...identity, ...metadata, sum: { dataPoints: numberPoints(), aggregationTemporality: pick([0, 1, 2, -1]), isMonotonic: chance(0.5) } };
    }
    return {
      ...identity,
      ...metadata,
      exponentialHistogram: { dataPoints: Array.from({ length: Math.floor(next() * 4) }, point), aggregationTemporality: pick([0, 1, 2, -1]) },
    };
  }

  return function request(): Buffer {
    const resourceMetrics = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
      resource: chance(0.9) ? { attributes: attributes(chance(0.2) ? 16 : 6), droppedAttributesCount: Math.floor(next() * 2) } : undefined,
      scopeMetrics: Array.from({ length: Math.floor(next() * 3) }, () => ({
        scope: chance(0.8)
          ? { name: pick(['stallscope.bpf-agent', '', 'é', `bad ${NOT_UTF8_MARK}`]), version: pick(['', '0.1.0', `0.${NOT_UTF8_MARK}`]), attributes: attributes(2), droppedAttributesCount: pick([0, 3]) }
          : undefined,
        metrics: Array.from({ length: Math.floor(next() * 4) }, metric),
        schemaUrl: chance(0.2) ? 'https://opentelemetry.io/schemas/1.26.0' : '',
      })),
      schemaUrl: chance(0.2) ? `https://example.com/${pick(TEXTS)}` : '',
    }));
    const type = otlpMessageTypes().exportMetricsServiceRequest;
    return withBytesNotUtf8(type.encode(type.fromObject({ resourceMetrics })).finish());
  };
}

/** An agent interval's syscall.duration points, as the ingest tests send them. */
function agentExport(): Buffer {
  return serializeMetrics(
    syscallDurationMetrics({
      serviceName: 'checkout',
      hostName: 'host-a',
      startTime: [1_700_000_000, 0],
      endTime: [1_700_000_010, 999_999_999],
      points: [
        { syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1.1e6, maxNs: 7.9e6 },
        { syscall: 'futex', waitClass: 'idle', offset: 30, counts: [4], sumNs: 6e9, minNs: 1.2e9, maxNs: 1.9e9 },
      ],
    }),
  );
}

describe('metric points straight from protobuf to RowBinary', () => {
  it("writes an agent's syscall.duration points, and a gauge's, as the decoded way does", () => {
    const payload = agentExport();
    assert.equal(agree(payload, 'agent points'), true, 'the direct way takes an agent export');
    assert.equal(encodeMetricRows(payload, layouts)!.get(Tables.exponentialHistograms)!.length, 2);
    const gauge = serializeMetrics(cpuGaugeMetrics());
    assert.equal(agree(gauge, 'a gauge'), true, 'the direct way takes a gauge');
    assert.deepEqual([...encodeMetricRows(gauge, layouts)!.keys()], [Tables.gauges]);
  });

  it('writes metric names and units that are not UTF-8 as the bytes sent', () => {
    const type = otlpMessageTypes().exportMetricsServiceRequest;
    const metric = { name: `read ${NOT_UTF8_MARK}`, unit: 'ns', exponentialHistogram: { dataPoints: [{ timeUnixNano: '1', count: '1' }], aggregationTemporality: 1 } };
    const payload = withBytesNotUtf8(type.encode(type.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] })).finish());
    assert.equal(agree(payload, 'name not UTF-8'), true);
    const row = Buffer.from(encodeMetricRows(payload, layouts)!.get(Tables.exponentialHistograms)![0]!.bytes);
    assert.ok(row.includes(Buffer.concat([Buffer.from('read '), Buffer.from(NOT_UTF8_BYTES)])), 'the name is followed by the bytes sent');
  });

  it('leaves explicit-bucket histograms, summaries, exemplars and otlp_json to the decoded way', () => {
    const type = otlpMessageTypes().exportMetricsServiceRequest;
    const request = (metric: object) => type.encode(type.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] })).finish();
    assert.equal(encodeMetricRows(request({ name: 'h', histogram: { dataPoints: [{ timeUnixNano: '1', count: '1', bucketCounts: ['1'] }] } }), layouts), undefined);
    assert.equal(encodeMetricRows(request({ name: 's', summary: { dataPoints: [{ timeUnixNano: '1', count: '1', sum: 2 }] } }), layouts), undefined);
    const withExemplar = { name: 'm', exponentialHistogram: { dataPoints: [{ timeUnixNano: '1', count: '1', exemplars: [{ timeUnixNano: '1', asDouble: 2 }] }] } };
    assert.equal(encodeMetricRows(request(withExemplar), layouts), undefined);
    assert.equal(encodeMetricRows(serializeMetricsJson(cpuGaugeMetrics()), layouts), undefined);
  });

  it('agrees with the decoded way on 3,000 generated requests, and takes a good share of them', () => {
    const request = requestGenerator(seededRandom(20261124));
    let taken = 0;
    const total = 3000;
    for (let index = 0; index < total; index++) if (agree(request(), `request ${index}`)) taken++;
    // Every generated request has a chance of something only the decoded way writes (exemplars,
    // other kinds, maps, nested arrays, bytes not UTF-8 inside arrays).
    assert.ok(taken > total / 4, `taken ${taken} of ${total}`);
  });

  it('takes nothing the decoded way rejects, and agrees on the rest, over 20,000 mutated requests', () => {
    const next = seededRandom(11);
    const request = requestGenerator(next);
    let taken = 0;
    for (const [payload, index] of mutatedRequests(request, next, 20_000)) if (agree(payload, `mutation ${index}`)) taken++;
    assert.ok(taken > 0, 'some mutated requests are still taken');
  });
});
