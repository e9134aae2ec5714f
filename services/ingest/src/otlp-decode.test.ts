import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '@stallscope/schemas';
import {
  BUCKET_COUNT_MAX,
  EVENT_TIME_NS,
  EXEMPLAR_TIME_NS,
  GAUGE_INT_VALUE,
  HISTOGRAM_COUNT,
  POINT_START_NS,
  POINT_TIME_NS,
  SUMMARY_COUNT,
  LARGE_INT_ATTRIBUTE,
  LINKED_SPAN_ID,
  LINKED_TRACE_ID,
  PARENT_SPAN_ID,
  SPAN_END_NS,
  SPAN_ID,
  SPAN_START_NS,
  TRACE_ID,
  cpuGaugeMetrics,
  everyMetricKindRequest,
  serializeMetrics,
  serializeSpans,
  slowSyscallSpan,
  syscallDurationMetrics,
} from './otlp-fixtures.js';
import { OtlpDecodeError, decodeExportLogsServiceRequest, decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
import type { ExportTraceServiceRequest } from './otlp-model.js';
import { otlpMessageTypes, otlpRawStringTypes } from './otlp-schema.js';

function only<T>(items: readonly T[]): T {
  assert.equal(items.length, 1);
  return items[0] as T;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Encodes a request from a protobufjs plain object, to build inputs the SDK would never produce. */
function encodeTraceRequest(plain: object): Uint8Array {
  const type = otlpMessageTypes().exportTraceServiceRequest;
  return type.encode(type.fromObject(plain)).finish();
}

describe('decodeExportTraceServiceRequest', () => {
  it('round-trips every field of an SDK span, nanosecond times exact', () => {
    const request = decodeExportTraceServiceRequest(serializeSpans([slowSyscallSpan()]));
    const resourceSpans = only(request.resourceSpans);
    assert.deepEqual(resourceSpans.resource, {
      attributes: [
        { key: 'service.name', value: { type: 'string', value: 'checkout' } },
        { key: 'host.name', value: { type: 'string', value: 'host-a' } },
        { key: 'process.pid', value: { type: 'int', value: 4242n } },
      ],
      droppedAttributesCount: 0,
    });
    assert.equal(resourceSpans.schemaUrl, '');
    const scopeSpans = only(resourceSpans.scopeSpans);
    assert.deepEqual(scopeSpans.scope, {
      name: 'stallscope.bpf-agent',
      version: '0.1.0',
      attributes: [],
      droppedAttributesCount: 0,
    });
    const span = only(scopeSpans.spans);
    assert.equal(hex(span.traceId), TRACE_ID);
    assert.equal(hex(span.spanId), SPAN_ID);
    assert.equal(hex(span.parentSpanId), PARENT_SPAN_ID);
    assert.equal(span.traceState, 'vendor=value');
    // trace flags 0x01 sampled | 0x100 has-is-remote | 0x200 parent is remote
    assert.equal(span.flags, 0x301);
    assert.equal(span.name, 'syscall flock');
    assert.equal(span.kind, 2);
    assert.equal(span.startTimeUnixNano, SPAN_START_NS);
    assert.equal(span.endTimeUnixNano, SPAN_END_NS);
    assert.deepEqual(span.attributes, [
      { key: 'stallscope.syscall.name', value: { type: 'string', value: 'flock' } },
      { key: 'stallscope.wait_class', value: { type: 'string', value: 'lock' } },
      { key: 'stallscope.syscall.return_value', value: { type: 'int', value: -11n } },
      { key: 'stallscope.test.large_int', value: { type: 'int', value: BigInt(LARGE_INT_ATTRIBUTE) } },
      { key: 'stallscope.test.ratio', value: { type: 'double', value: 0.25 } },
      { key: 'stallscope.test.flag', value: { type: 'bool', value: true } },
      {
        key: 'stallscope.syscall.args',
        value: {
          type: 'array',
          values: [
            { type: 'string', value: '3' },
            { type: 'string', value: '2' },
          ],
        },
      },
    ]);
    assert.equal(span.droppedAttributesCount, 3);
    assert.deepEqual(span.events, [
      {
        timeUnixNano: EVENT_TIME_NS,
        name: 'lock acquired',
        attributes: [{ key: 'thread.id', value: { type: 'int', value: 77n } }],
        droppedAttributesCount: 2,
      },
    ]);
    assert.equal(span.droppedEventsCount, 4);
    const link = only(span.links);
    assert.equal(hex(link.traceId), LINKED_TRACE_ID);
    assert.equal(hex(link.spanId), LINKED_SPAN_ID);
    assert.equal(link.traceState, '');
    assert.deepEqual(link.attributes, [{ key: 'link.reason', value: { type: 'string', value: 'follows' } }]);
    assert.equal(link.droppedAttributesCount, 1);
    assert.equal(link.flags, 0x100);
    assert.equal(span.droppedLinksCount, 5);
    assert.deepEqual(span.status, { message: 'EWOULDBLOCK', code: 2 });
  });

  it('decodes an empty payload as an empty request', () => {
    assert.deepEqual(decodeExportTraceServiceRequest(new Uint8Array()), { resourceSpans: [] } satisfies ExportTraceServiceRequest);
  });

  it('rejects bytes that are not protobuf, naming the request type', () => {
    assert.throws(
      () => decodeExportTraceServiceRequest(Buffer.from('definitely not protobuf')),
      (err: unknown) => err instanceof OtlpDecodeError && /^malformed ExportTraceServiceRequest: /.test(err.message),
    );
  });

  it('rejects a truncated request', () => {
    const payload = serializeSpans([slowSyscallSpan()]);
    assert.throws(() => decodeExportTraceServiceRequest(payload.subarray(0, payload.length - 7)), OtlpDecodeError);
  });

  it('rejects a span whose trace id is not 16 bytes, naming the field', () => {
    const payload = encodeTraceRequest({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(3, 1), spanId: Buffer.alloc(8, 1) }] }] }],
    });
    assert.throws(() => decodeExportTraceServiceRequest(payload), {
      name: 'OtlpDecodeError',
      message: 'invalid ExportTraceServiceRequest: resource_spans[0].scope_spans[0].spans[0].trace_id must be 16 bytes, got 3',
    });
  });

  it('rejects an all-zero span id and a span that ends before it starts', () => {
    const zeroSpanId = encodeTraceRequest({
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8) }] }] }],
    });
    assert.throws(() => decodeExportTraceServiceRequest(zeroSpanId), /spans\[0\]\.span_id must not be all zeros/);
    const backwards = encodeTraceRequest({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), startTimeUnixNano: '2000', endTimeUnixNano: '1000' },
              ],
            },
          ],
        },
      ],
    });
    assert.throws(() => decodeExportTraceServiceRequest(backwards), /end_time_unix_nano 1000 is before start_time_unix_nano 2000/);
  });

  it('keeps attribute keys and strings that are not UTF-8 as their bytes, nested ones too; valid text, U+FFFD included, stays text', () => {
    const type = otlpRawStringTypes().exportTraceServiceRequest;
    const bad = Buffer.from([0x61, 0xff, 0xe2, 0x82]);
    const attributes = [
      { key: Buffer.from([0x6b, 0xff]), value: { stringValue: bad } },
      { key: Buffer.from('list'), value: { arrayValue: { values: [{ stringValue: bad }, { kvlistValue: { values: [{ key: bad, value: { stringValue: Buffer.from('ok') } }] } }] } } },
      { key: Buffer.from('sent as U+FFFD'), value: { stringValue: Buffer.from('\uFFFD') } },
    ];
    const payload = type.encode(
      type.fromObject({
        resourceSpans: [{ resource: { attributes }, scopeSpans: [{ scope: { attributes }, spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), attributes }] }] }],
      }),
    ).finish();
    const decoded = only(decodeExportTraceServiceRequest(payload).resourceSpans);
    for (const decodedAttributes of [decoded.resource.attributes, only(decoded.scopeSpans).scope.attributes, only(only(decoded.scopeSpans).spans).attributes]) {
      assert.deepEqual(decodedAttributes, [
        { key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xff]), value: { type: 'string', value: 'a\uFFFD\uFFFD', bytes: Uint8Array.from(bad) } },
        {
          key: 'list',
          value: {
            type: 'array',
            values: [
              { type: 'string', value: 'a\uFFFD\uFFFD', bytes: Uint8Array.from(bad) },
              { type: 'kvlist', values: [{ key: 'a\uFFFD\uFFFD', keyBytes: Uint8Array.from(bad), value: { type: 'string', value: 'ok' } }] },
            ],
          },
        },
        { key: 'sent as U+FFFD', value: { type: 'string', value: '\uFFFD' } },
      ]);
    }
    // Without any U+FFFD the request is decoded once, as before: the same model, no bytes.
    const plain = decodeExportTraceServiceRequest(serializeSpans([slowSyscallSpan()]));
    assert.ok(only(only(plain.resourceSpans[0]!.scopeSpans).spans).attributes.every((attribute) => attribute.keyBytes === undefined));
  });

  it('keeps every other string that is not UTF-8 as its bytes too: names, versions, trace states, status messages, schema URLs', () => {
    // The Collector stores these fields as the bytes sent; decoding them as text would store U+FFFD.
    const bad = (text: string) => Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0xc3])]);
    const traces = otlpRawStringTypes().exportTraceServiceRequest;
    const ids = { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1) };
    const spanRequest = traces.encode(
      traces.fromObject({
        resourceSpans: [
          {
            schemaUrl: bad('resource-schema'),
            scopeSpans: [
              {
                schemaUrl: bad('scope-schema'),
                scope: { name: bad('scope'), version: bad('1.0') },
                spans: [
                  {
                    ...ids,
                    name: bad('GET /cart'),
                    traceState: bad('k=v'),
                    status: { code: 2, message: bad('failed') },
                    events: [{ name: bad('retry') }],
                    links: [{ ...ids, traceState: bad('l=w') }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    const resourceSpans = only(decodeExportTraceServiceRequest(spanRequest).resourceSpans);
    const scopeSpans = only(resourceSpans.scopeSpans);
    const span = only(scopeSpans.spans);
    assert.deepEqual(
      [resourceSpans.schemaUrl, scopeSpans.schemaUrl, scopeSpans.scope.name, scopeSpans.scope.version, span.name, span.traceState, span.status.message, only(span.events).name, only(span.links).traceState],
      ['resource-schema', 'scope-schema', 'scope', '1.0', 'GET /cart', 'k=v', 'failed', 'retry', 'l=w'].map((text) => Uint8Array.from(bad(text))),
    );

    const metrics = otlpRawStringTypes().exportMetricsServiceRequest;
    const metricRequest = metrics.encode(
      metrics.fromObject({
        resourceMetrics: [{ schemaUrl: bad('r'), scopeMetrics: [{ schemaUrl: bad('s'), metrics: [{ name: bad('queue.depth'), description: bad('d'), unit: bad('u') }] }] }],
      }),
    ).finish();
    const resourceMetrics = only(decodeExportMetricsServiceRequest(metricRequest).resourceMetrics);
    const metric = only(only(resourceMetrics.scopeMetrics).metrics);
    assert.deepEqual(
      [resourceMetrics.schemaUrl, only(resourceMetrics.scopeMetrics).schemaUrl, metric.name, metric.description, metric.unit],
      ['r', 's', 'queue.depth', 'd', 'u'].map((text) => Uint8Array.from(bad(text))),
    );

    const logs = otlpRawStringTypes().exportLogsServiceRequest;
    const logRequest = logs.encode(
      logs.fromObject({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: bad('WARN'), eventName: bad('login') }] }] }] }),
    ).finish();
    const record = only(only(only(decodeExportLogsServiceRequest(logRequest).resourceLogs).scopeLogs).logRecords);
    assert.deepEqual([record.severityText, record.eventName], [Uint8Array.from(bad('WARN')), Uint8Array.from(bad('login'))]);

    // Valid text stays a string, a U+FFFD sent as such included.
    const valid = traces.encode(traces.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...ids, name: Buffer.from('GET \uFFFD'), traceState: Buffer.from('k=v') }] }] }] })).finish();
    const validSpan = only(only(only(decodeExportTraceServiceRequest(valid).resourceSpans).scopeSpans).spans);
    assert.deepEqual([validSpan.name, validSpan.traceState], ['GET \uFFFD', 'k=v']);
  });

  it('rejects as bad input a string running past the end, which only the decoding again for bytes notices', () => {
    // protobufjs reads a string field up to the end of the buffer whatever its length says,
    // but a bytes field not: the value not UTF-8 has the request read again with keys as bytes.
    const keyValueNotUtf8 = [0x0a, 0x01, 0x6b, 0x12, 0x03, 0x0a, 0x01, 0xff];
    const keyPastTheEnd = [0x0a, 0x32, 0x61, 0x62, 0x63];
    const resource = [0x0a, keyValueNotUtf8.length, ...keyValueNotUtf8, 0x0a, keyPastTheEnd.length, ...keyPastTheEnd];
    // A Buffer, as the transports deliver: protobufjs reads strings of a Buffer this way.
    const payload = Buffer.from([0x0a, resource.length + 2, 0x0a, resource.length, ...resource]);
    assert.ok(otlpMessageTypes().exportTraceServiceRequest.decode(payload), 'read with string keys, the request passes');
    assert.throws(() => decodeExportTraceServiceRequest(payload), (err: unknown) => err instanceof OtlpDecodeError && /malformed ExportTraceServiceRequest: index out of range/.test(err.message));
  });

  it('decodes an attribute sent without a key as the key "" when the request is decoded again for bytes', () => {
    // Protobuf leaves out an empty string, so an attribute keyed "" arrives with no key field;
    // a value not UTF-8 elsewhere has the request decoded again, with keys as bytes.
    const type = otlpRawStringTypes().exportTraceServiceRequest;
    const attributes = [{ value: { stringValue: Buffer.from('no key') } }, { key: Buffer.from('k'), value: { stringValue: Buffer.from([0xff]) } }];
    const payload = type.encode(type.fromObject({ resourceSpans: [{ resource: { attributes }, scopeSpans: [] }] })).finish();
    const decoded = only(decodeExportTraceServiceRequest(payload).resourceSpans);
    assert.deepEqual(decoded.resource.attributes, [
      { key: '', value: { type: 'string', value: 'no key' } },
      { key: 'k', value: { type: 'string', value: '\uFFFD', bytes: Uint8Array.from([0xff]) } },
    ]);
  });
});

describe('decodeExportMetricsServiceRequest', () => {
  const histogram = syscallDurationMetrics({
    serviceName: 'checkout',
    hostName: 'host-a',
    startTime: [1_700_000_000, 1],
    endTime: [1_700_000_010, 999_999_999],
    points: [{ syscall: 'fsync', waitClass: 'disk', offset: 20, counts: [3, 0, 5], zeroCount: 2, sumNs: 9e6, minNs: 1_100_000, maxNs: 7_900_000 }],
  });

  it('round-trips an SDK exponential histogram point, 64-bit fields exact', () => {
    const request = decodeExportMetricsServiceRequest(serializeMetrics(histogram));
    const resourceMetrics = only(request.resourceMetrics);
    assert.deepEqual(resourceMetrics.resource.attributes, [
      { key: 'service.name', value: { type: 'string', value: 'checkout' } },
      { key: 'host.name', value: { type: 'string', value: 'host-a' } },
    ]);
    const scopeMetrics = only(resourceMetrics.scopeMetrics);
    assert.equal(scopeMetrics.scope.name, 'stallscope.bpf-agent');
    assert.equal(scopeMetrics.scope.version, '0.1.0');
    const metric = only(scopeMetrics.metrics);
    assert.equal(metric.name, 'syscall.duration');
    assert.equal(metric.unit, 'ns');
    assert.equal(metric.description, Metrics.syscallDuration.description);
    assert.deepEqual(metric.metadata, []);
    assert.equal(metric.data.type, 'exponentialHistogram');
    if (metric.data.type !== 'exponentialHistogram') return;
    assert.equal(metric.data.aggregationTemporality, 1);
    assert.deepEqual(only(metric.data.dataPoints), {
      attributes: [
        { key: 'stallscope.syscall.name', value: { type: 'string', value: 'fsync' } },
        { key: 'stallscope.wait_class', value: { type: 'string', value: 'disk' } },
      ],
      startTimeUnixNano: 1_700_000_000_000_000_001n,
      timeUnixNano: 1_700_000_010_999_999_999n,
      count: 10n,
      sum: 9e6,
      scale: 0,
      zeroCount: 2n,
      positive: { offset: 20, bucketCounts: [3n, 0n, 5n] },
      negative: { offset: 0, bucketCounts: [] },
      flags: 0,
      exemplars: [],
      min: 1_100_000,
      max: 7_900_000,
      zeroThreshold: 0,
    });
  });

  it('decodes absent optional sum/min/max as undefined, not 0', () => {
    const type = otlpMessageTypes().exportMetricsServiceRequest;
    const payload = type
      .encode(type.fromObject({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ exponentialHistogram: { dataPoints: [{ count: 1 }] } }] }] }] }))
      .finish();
    const metric = only(only(only(decodeExportMetricsServiceRequest(payload).resourceMetrics).scopeMetrics).metrics);
    assert.equal(metric.data.type, 'exponentialHistogram');
    if (metric.data.type !== 'exponentialHistogram') return;
    const point = only(metric.data.dataPoints);
    assert.equal(point.sum, undefined);
    assert.equal(point.min, undefined);
    assert.equal(point.max, undefined);
  });

  it('decodes two concatenated requests as one holding both resource_metrics', () => {
    const other = syscallDurationMetrics({
      serviceName: 'billing',
      hostName: 'host-b',
      startTime: [1_700_000_000, 0],
      endTime: [1_700_000_010, 0],
      points: [{ syscall: 'flock', waitClass: 'lock', offset: 10, counts: [1], sumNs: 1500, minNs: 1500, maxNs: 1500 }],
    });
    const request = decodeExportMetricsServiceRequest(Buffer.concat([serializeMetrics(histogram), serializeMetrics(other)]));
    assert.deepEqual(
      request.resourceMetrics.map((entry) => entry.resource.attributes[0]?.value),
      [
        { type: 'string', value: 'checkout' },
        { type: 'string', value: 'billing' },
      ],
    );
  });

  it('decodes gauge points with their values and attributes', () => {
    const metric = only(only(only(decodeExportMetricsServiceRequest(serializeMetrics(cpuGaugeMetrics())).resourceMetrics).scopeMetrics).metrics);
    assert.equal(metric.data.type, 'gauge');
    assert.deepEqual(
      metric.data.type === 'gauge' ? metric.data.dataPoints.map((point) => [point.attributes, point.value, point.timeUnixNano]) : [],
      [
        [[{ key: 'cpu', value: { type: 'int', value: 0n } }], { type: 'double', value: 0.5 }, 2_000_000_000n],
        [[{ key: 'cpu', value: { type: 'int', value: 1n } }], { type: 'double', value: 0.25 }, 2_000_000_000n],
      ],
    );
  });

  it('decodes every point kind with 64-bit counts, times and int values exact', () => {
    const metrics = only(only(decodeExportMetricsServiceRequest(everyMetricKindRequest()).resourceMetrics).scopeMetrics).metrics;
    assert.deepEqual(
      metrics.map((metric) => metric.data.type),
      ['gauge', 'sum', 'histogram', 'summary', 'none'],
    );
    const [gauge, sum, histogram, summary] = metrics.map((metric) => metric.data);
    assert.ok(gauge?.type === 'gauge' && sum?.type === 'sum' && histogram?.type === 'histogram' && summary?.type === 'summary');
    const gaugePoint = gauge.dataPoints[0];
    assert.deepEqual(gaugePoint?.value, { type: 'int', value: GAUGE_INT_VALUE });
    assert.equal(gaugePoint?.startTimeUnixNano, POINT_START_NS);
    assert.equal(gaugePoint?.timeUnixNano, POINT_TIME_NS);
    assert.deepEqual(gaugePoint?.exemplars[0]?.value, { type: 'int', value: 7n });
    assert.equal(gaugePoint?.exemplars[0]?.timeUnixNano, EXEMPLAR_TIME_NS);
    assert.equal(gauge.dataPoints[1]?.flags, 1);
    assert.deepEqual([sum.aggregationTemporality, sum.isMonotonic], [2, true]);
    assert.equal(histogram.dataPoints[0]?.count, HISTOGRAM_COUNT);
    assert.deepEqual(histogram.dataPoints[0]?.bucketCounts, [BUCKET_COUNT_MAX, 1n, 1n]);
    assert.deepEqual(histogram.dataPoints[0]?.explicitBounds, [0.5, 2.5]);
    assert.deepEqual([histogram.dataPoints[1]?.sum, histogram.dataPoints[1]?.min, histogram.dataPoints[1]?.max], [undefined, undefined, undefined]);
    assert.equal(summary.dataPoints[0]?.count, SUMMARY_COUNT);
    assert.deepEqual(summary.dataPoints[0]?.quantileValues.map(({ quantile }) => quantile), [0, 0.5, 0.99, 1]);
  });

  it('rejects a histogram whose bucket counts do not fit its bounds', () => {
    const type = otlpMessageTypes().exportMetricsServiceRequest;
    const payload = type
      .encode(
        type.fromObject({
          resourceMetrics: [
            { scopeMetrics: [{ metrics: [{ name: 'h', histogram: { dataPoints: [{ bucketCounts: [1, 2], explicitBounds: [1, 2] }] } }] }] },
          ],
        }),
      )
      .finish();
    assert.throws(() => decodeExportMetricsServiceRequest(payload), {
      name: 'OtlpDecodeError',
      message: /histogram\.data_points\[0\] has 2 bucket_counts for 2 explicit_bounds/,
    });
  });

  it('tells otlp_json from otlp_proto by the leading brace, and rejects ids that are not hex', () => {
    const json = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asInt: '9007199254740993', timeUnixNano: '1700000060987654321' }] } }] }] }] };
    const point = only(only(only(decodeExportMetricsServiceRequest(Buffer.from(JSON.stringify(json))).resourceMetrics).scopeMetrics).metrics).data;
    assert.deepEqual(point.type === 'gauge' ? [point.dataPoints[0]?.value, point.dataPoints[0]?.timeUnixNano] : [], [
      { type: 'int', value: 9_007_199_254_740_993n },
      1_700_000_060_987_654_321n,
    ]);
    const badId = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'not-hex', spanId: SPAN_ID }] }] }] };
    assert.throws(() => decodeExportTraceServiceRequest(Buffer.from(JSON.stringify(badId))), {
      name: 'OtlpDecodeError',
      message: /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId is not a hex id/,
    });
    assert.throws(() => decodeExportMetricsServiceRequest(Buffer.from('{"resourceMetrics": [')), {
      name: 'OtlpDecodeError',
      message: /^malformed ExportMetricsServiceRequest: /,
    });
  });

  it('rejects garbage', () => {
    assert.throws(() => decodeExportMetricsServiceRequest(Buffer.from([0x0a, 0xff, 0x01, 0x02])), {
      name: 'OtlpDecodeError',
      message: /^malformed ExportMetricsServiceRequest: /,
    });
  });
});
