// RowBinary against JSONEachRow on the real engine (chDB): the same rows go into
// a table through both of the ingest's formats (JSONEachRow, for a ClickHouse
// server, and RowBinary), and every stored column must read back equal.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults, type Store } from '@stallscope/store';
import { deadLetterRow } from './dead-letter.js';
import { logRows } from './log-rows.js';
import { metricRows } from './metric-rows.js';
import { decodeExportLogsServiceRequest, decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import { appLogRecords, everyMetricKindRequest, serializeLogs, serializeMetrics, serializeSpans, slowSyscallSpan, syscallDurationMetrics } from './otlp-fixtures.js';
import { columnCodec, EncodedRow, encodeRowBinary, RowBinaryWriter, UnsupportedColumnTypeError } from './row-binary.js';
import { insertJsonEachRow, insertRowBinary, tableCodecs } from './row-binary-insert.js';
import { Tables, traceRows } from './rows.js';
import type { ExportTraceServiceRequest, KeyValue } from './otlp-model.js';

const dir = mkdtempSync(join(tmpdir(), 'stallscope-row-binary-'));
const logger = createLogger('silent');
let store: Store;

before(async () => {
  store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger });
  await store.start();
});

after(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every stored column, as text: no client-side number or time conversion can hide a difference. */
async function storedAsText(table: string): Promise<Record<string, string>[]> {
  const codecs = await tableCodecs(store.client, table);
  assert.ok('columns' in codecs, `${table} has a codec for every column`);
  const texts = codecs.columns.map(([name]) => `toString(\`${name}\`)`);
  const list = codecs.columns.map(([name], index) => `${texts[index]} AS \`${name}\``).join(', ');
  const result = await store.client.query({ query: `SELECT ${list} FROM ${table} ORDER BY ${texts.join(', ')}`, format: 'JSONEachRow' });
  return result.json<Record<string, string>>();
}

/** The fixtures' times are older than the tables' TTL, which would drop them on insert. */
async function removeTtl(table: string): Promise<void> {
  if ((await store.client.query({ query: `SHOW CREATE TABLE ${table}`, format: 'TabSeparatedRaw' }).then((result) => result.text())).includes('TTL')) {
    await store.client.command({ query: `ALTER TABLE ${table} REMOVE TTL` });
  }
}

/** Inserts rows into `table` as JSONEachRow and into a twin of it as RowBinary; returns both tables' contents. */
async function bothWays(table: string, rows: readonly object[]): Promise<{ json: Record<string, string>[]; rowBinary: Record<string, string>[] }> {
  const twin = `${table}_rowbinary_twin`;
  await removeTtl(table);
  await store.client.command({ query: `CREATE TABLE ${twin} AS ${table}` });
  try {
    await store.client.command({ query: `TRUNCATE TABLE ${table}` });
    await insertJsonEachRow(store.client, table, rows, {});
    const codecs = await tableCodecs(store.client, twin);
    assert.ok('columns' in codecs, `${table} has a codec for every column`);
    await insertRowBinary(store, twin, codecs.columns, rows, { insert_deduplicate: 1, insert_deduplication_token: `${twin}/test` });
    return { json: await storedAsText(table), rowBinary: await storedAsText(twin) };
  } finally {
    await store.client.command({ query: `DROP TABLE ${twin}` });
  }
}

describe('RowBinary inserts over chDB', () => {
  it('otel_traces: every column, Maps and the Events/Links Nested arrays and their DateTime64s included, reads back as JSONEachRow stores it', async () => {
    const rows = traceRows(decodeExportTraceServiceRequest(serializeSpans([slowSyscallSpan(), slowSyscallSpan({ traceId: 'ffffffffffffffffffffffffffffffff' })])));
    assert.ok(rows.every((row) => row['Events.Timestamp'].length > 0 && row['Links.Attributes'].length > 0), 'the fixture has events and links');
    const { json, rowBinary } = await bothWays(Tables.traces, rows);
    assert.equal(json.length, 2);
    assert.deepEqual(rowBinary, json);
  });

  it('otel_traces: repeated attribute keys are stored every time, sorted by key bytes, in both formats (as the Collector\'s exporter)', async () => {
    const request = decodeExportTraceServiceRequest(serializeSpans([slowSyscallSpan()]));
    const repeated = (attributes: readonly KeyValue[], key: string): KeyValue[] => [
      { key, value: { type: 'string', value: 'before' } },
      ...attributes,
      { key: 'a.first', value: { type: 'int', value: 1n } },
      { key, value: { type: 'string', value: 'after' } },
    ];
    const resourceSpans = request.resourceSpans[0]!;
    const span = resourceSpans.scopeSpans[0]!.spans[0]!;
    const withRepeats: ExportTraceServiceRequest = {
      resourceSpans: [
        {
          ...resourceSpans,
          resource: { ...resourceSpans.resource, attributes: repeated(resourceSpans.resource.attributes, 'service.name') },
          scopeSpans: [
            {
              ...resourceSpans.scopeSpans[0]!,
              spans: [
                {
                  ...span,
                  attributes: repeated(span.attributes, 'stallscope.wait_class'),
                  events: span.events.map((event) => ({ ...event, attributes: repeated(event.attributes, 'thread.id') })),
                  links: span.links.map((link) => ({ ...link, attributes: repeated(link.attributes, 'link.reason') })),
                },
              ],
            },
          ],
        },
      ],
    };
    const rows = traceRows(withRepeats);
    const { json, rowBinary } = await bothWays(Tables.traces, rows);
    assert.deepEqual(rowBinary, json);
    const stored = json[0]!;
    assert.equal(stored.ServiceName, 'before', 'the first service.name sent, as pcommon.Map.Get reads it');
    assert.equal(stored.ResourceAttributes, "{'a.first':'1','host.name':'host-a','process.pid':'4242','service.name':'before','service.name':'checkout','service.name':'after'}");
    assert.match(stored.SpanAttributes!, /'stallscope.wait_class':'before','stallscope.wait_class':'lock','stallscope.wait_class':'after'/);
    assert.equal(stored['Events.Attributes'], "[{'a.first':'1','thread.id':'before','thread.id':'77','thread.id':'after'}]");
    assert.equal(stored['Links.Attributes'], "[{'a.first':'1','link.reason':'before','link.reason':'follows','link.reason':'after'}]");
  });

  it('otel_traces: keys and strings that are not UTF-8 are stored as their bytes by RowBinary, with U+FFFD by JSONEachRow (JSON text is Unicode)', async () => {
    const request = decodeExportTraceServiceRequest(serializeSpans([slowSyscallSpan()]));
    const resourceSpans = request.resourceSpans[0]!;
    const span = resourceSpans.scopeSpans[0]!.spans[0]!;
    const bad = Uint8Array.from([0x61, 0xff, 0xe2, 0x82]);
    const withBytes: ExportTraceServiceRequest = {
      resourceSpans: [
        {
          ...resourceSpans,
          scopeSpans: [
            {
              ...resourceSpans.scopeSpans[0]!,
              spans: [{ ...span, attributes: [{ key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xff]), value: { type: 'string', value: 'a\uFFFD\uFFFD', bytes: bad } }] }],
            },
          ],
        },
      ],
    };
    const rows = traceRows(withBytes);
    const twin = `${Tables.traces}_bytes_twin`;
    await removeTtl(Tables.traces);
    await store.client.command({ query: `CREATE TABLE ${twin} AS ${Tables.traces}` });
    try {
      const codecs = await tableCodecs(store.client, twin);
      assert.ok('columns' in codecs);
      // Tokens of their own: an earlier test's token would make the second insert a duplicate.
      await insertRowBinary(store, twin, codecs.columns, rows, { insert_deduplication_token: `${twin}/row-binary` });
      await insertJsonEachRow(store.client, twin, rows.map((row) => ({ ...row, SpanId: 'json' })), { insert_deduplication_token: `${twin}/json` });
      const result = await store.client.query({
        query: `SELECT SpanId, hex(mapKeys(SpanAttributes)[1]) AS key, hex(mapValues(SpanAttributes)[1]) AS value FROM ${twin} ORDER BY SpanId = 'json'`,
        format: 'JSONEachRow',
      });
      const [rowBinary, json] = await result.json<{ key: string; value: string }>();
      assert.deepEqual(rowBinary && { key: rowBinary.key, value: rowBinary.value }, { key: '6BFF', value: '61FFE282' });
      assert.deepEqual(json && { key: json.key, value: json.value }, { key: '6BEFBFBD', value: '61EFBFBDEFBFBD' });
    } finally {
      await store.client.command({ query: `DROP TABLE ${twin}` });
    }
  });

  it('every metric table (64-bit counts at their limits, NaN and infinities, exemplars, quantiles) reads back as JSONEachRow stores it', async () => {
    const rows = metricRows(decodeExportMetricsServiceRequest(everyMetricKindRequest()));
    const exponential = metricRows(
      decodeExportMetricsServiceRequest(
        serializeMetrics(
          syscallDurationMetrics({
            serviceName: 'checkout',
            hostName: 'host-a',
            startTime: [1_700_000_000, 1],
            endTime: [1_700_000_010, 999_999_999],
            points: [
              { syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1.1e6, maxNs: 7.9e6 },
              { syscall: 'flock', waitClass: 'lock', offset: -3, counts: [1], zeroCount: 0, sumNs: 0.5, minNs: 0.25, maxNs: 0.5 },
            ],
          }),
        ),
      ),
    ).exponentialHistograms;
    const tables = [
      [Tables.gauges, rows.gauges],
      [Tables.sums, rows.sums],
      [Tables.histograms, rows.histograms],
      [Tables.exponentialHistograms, exponential],
      [Tables.summaries, rows.summaries],
    ] as const;
    for (const [table, tableRows] of tables) {
      assert.ok(tableRows.length > 0, table);
      const { json, rowBinary } = await bothWays(table, tableRows);
      assert.equal(json.length, tableRows.length, table);
      assert.deepEqual(rowBinary, json, table);
    }
  });

  it('otel_logs and the dead letters read back as JSONEachRow stores them', async () => {
    const logs = logRows(decodeExportLogsServiceRequest(serializeLogs(appLogRecords())));
    const message = { topic: 'otlp_spans', partition: 2, offset: '41', key: undefined, value: Buffer.from('not otlp'), headers: { origin: 'test' } };
    const deadLetters = [deadLetterRow(message, new OtlpDecodeError('not an OTLP request'), 1_700_000_000_123)];
    for (const [table, rows] of [[Tables.logs, logs], [Tables.deadLetters, deadLetters]] as const) {
      const { json, rowBinary } = await bothWays(table, rows);
      assert.equal(json.length, rows.length, table);
      assert.deepEqual(rowBinary, json, table);
    }
  });

  it('edge values of every codec: 64-bit limits, times past 2^31 s and with short fractions, long UTF-8, empty containers, nulls', async () => {
    await store.client.command({
      query: `CREATE TABLE IF NOT EXISTS row_binary_edges (
        Id UInt32, Time DateTime64(9), TimeMs DateTime64(3), Unsigned UInt64, Signed Int64, Small Int32, Flag UInt8,
        Real Float64, Text String, Tags Map(LowCardinality(String), String), Counts Array(UInt64), Maybe Nullable(String)
      ) ENGINE = MergeTree ORDER BY Id`,
    });
    const long = 'ü€𝄞'.repeat(200);
    const rows = [
      { Id: 1, Time: '1000000000.000000001', TimeMs: '1000000000.001', Unsigned: '18446744073709551615', Signed: '-9223372036854775808', Small: -2147483648, Flag: 255, Real: 'nan', Text: '', Tags: {}, Counts: [], Maybe: null },
      { Id: 2, Time: '2147483647.999999999', TimeMs: '1700000000.123', Unsigned: '4294967296', Signed: '-1', Small: 2147483647, Flag: 0, Real: 'inf', Text: long, Tags: { [long]: long, k: '' }, Counts: ['0', '9007199254740993'], Maybe: 'x' },
      { Id: 3, Time: '4102444800.5', TimeMs: '1700000000', Unsigned: 9007199254740991, Signed: '123456789012345', Small: 0, Flag: 1, Real: '-inf', Text: 'tab\tnew\nline"quote\\', Tags: { a: 'b' }, Counts: ['18446744073709551615'], Maybe: '' },
      { Id: 4, Time: '1700000000.123456789', TimeMs: '1000000000', Unsigned: '0', Signed: 0, Small: -1, Flag: 7, Real: -0.000001234, Text: 'x'.repeat(127), Tags: { ['y'.repeat(128)]: 'z'.repeat(16_384) }, Counts: ['1', '2', '3'], Maybe: null },
    ];
    const { json, rowBinary } = await bothWays('row_binary_edges', rows);
    assert.equal(json.length, rows.length);
    assert.deepEqual(rowBinary, json);
    assert.equal(json[2]!.Time, '2100-01-01 00:00:00.500000000');
  });

  it('writes DateTime64(9) from text as the exact Int64 of nanoseconds, up to the largest Int64', () => {
    const codec = columnCodec('DateTime64(9)');
    for (const [text, nanos] of [
      ['0.000000001', 1n],
      ['1700000000.123456789', 1_700_000_000_123_456_789n],
      ['4294967296.000000001', 4_294_967_296_000_000_001n],
      ['9223372036.854775807', 9_223_372_036_854_775_807n],
      ['-1.5', -1_500_000_000n],
    ] as const) {
      const expected = Buffer.alloc(8);
      expected.writeBigInt64LE(BigInt.asIntN(64, nanos));
      assert.deepEqual(Buffer.concat(encodeRowBinary([{ Time: text }], [['Time', codec]])), expected, text);
    }
  });

  it('writes a safe integer\'s decimal text as String(value) has it, without the string', () => {
    const values = [0, 1, -1, 9, 10, -10, 99, 100, 12345, -54321, 2 ** 31, -(2 ** 31), 2 ** 32, 999_999_999_999_999, 1e15, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let power = 1; power < 2 ** 53; power *= 10) values.push(power - 1, power, -power);
    for (const value of values) {
      const writer = new RowBinaryWriter(1);
      writer.decimalString(value);
      writer.decimal(value);
      const text = String(value);
      assert.deepEqual(writer.bytes(), Buffer.concat([Buffer.from([text.length]), Buffer.from(text), Buffer.from(text)]), text);
    }
  });

  it('sends rows already encoded as views of their bytes: consecutive ones as one chunk, decoded rows between them in chunks of their own', () => {
    const columns = [['Id', columnCodec('UInt8')], ['Name', columnCodec('String')]] as const;
    const names = ['Id', 'Name'];
    // Two requests' rows, each request's rows side by side in one buffer (as encodeTraceRows gives them).
    const first = Buffer.from([1, 1, 0x61, 2, 1, 0x62]);
    const second = Buffer.from([3, 1, 0x63]);
    const rows = [new EncodedRow(names, first.subarray(0, 3)), new EncodedRow(names, first.subarray(3)), { Id: 9, Name: 'z' }, new EncodedRow(names, second)];
    const chunks = encodeRowBinary(rows, columns);
    assert.deepEqual(chunks.map((chunk) => [...chunk]), [[1, 1, 0x61, 2, 1, 0x62], [9, 1, 0x7a], [3, 1, 0x63]]);
    first[0] = 7;
    assert.equal(chunks[0]![0], 7, 'the encoded rows are not copied');
    assert.throws(() => encodeRowBinary([new EncodedRow(['Name', 'Id'], second)], columns), /cannot go with columns Id, Name/);
  });

  it('rejects a value that does not fit its column, naming the column', () => {
    assert.throws(() => encodeRowBinary([{ Time: 1_700_000_000 }], [['Time', columnCodec('DateTime64(9)')]]), /column Time: 1700000000 is no DateTime64\(9\) value/);
    assert.throws(() => encodeRowBinary([{ Tags: ['a'] }], [['Tags', columnCodec('Map(String, String)')]]), /column Tags/);
    assert.throws(() => encodeRowBinary([{ Count: 1.5 }], [['Count', columnCodec('UInt64')]]), /column Count: 1.5 is no UInt64 value/);
    assert.throws(() => columnCodec('Tuple(String, UInt8)'), UnsupportedColumnTypeError);
  });

  it('rejects rows with a value the table has no column for, naming it, instead of dropping the value', async () => {
    const codecs = await tableCodecs(store.client, 'row_binary_edges');
    assert.ok('columns' in codecs);
    await assert.rejects(
      insertRowBinary(store, 'row_binary_edges', codecs.columns, [{ Id: 9, Colour: 'red' }], {}),
      /table row_binary_edges has no column Colour/,
    );
  });

  it("leaves no insert file behind in the store's insert-file directory", () => {
    assert.ok(store.insertFileDir, 'the embedded store has an insert-file directory');
    assert.deepEqual(readdirSync(store.insertFileDir), []);
  });
});
