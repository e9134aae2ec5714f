// Test fixtures: OTel SDK objects as the agent builds them, serialized with the
// SDK's own OTLP protobuf serializers. Imported by tests only.
import { SpanKind, SpanStatusCode, TraceFlags, ValueType, createTraceState, type HrTime } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr, SpanAttr } from '@stallscope/schemas';
import { otlpMessageTypes } from './otlp-schema.js';
import { StoredMap } from './stored-map.js';

/** The stored map of attributes without repeated keys, as a test writes them. */
export function storedMapOf(attributes: Record<string, string>): StoredMap {
  return new StoredMap(Object.entries(attributes));
}

/** 1700000000.123456789 s: past 2^53 ns, so any trip through a JS number would show. */
export const SPAN_START: HrTime = [1_700_000_000, 123_456_789];
export const SPAN_START_NS = 1_700_000_000_123_456_789n;
export const SPAN_END: HrTime = [1_700_000_001, 23_456_789];
export const SPAN_END_NS = 1_700_000_001_023_456_789n;
export const EVENT_TIME: HrTime = [1_700_000_000, 500_000_001];
export const EVENT_TIME_NS = 1_700_000_000_500_000_001n;

export function hrTimeNanos([seconds, nanos]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

function hrTimeOfNanos(nanos: bigint): HrTime {
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_ID = 'b7ad6b7169203331';
export const PARENT_SPAN_ID = '00f067aa0ba902b7';
export const LINKED_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const LINKED_SPAN_ID = '53995c3f42cd8ad8';

/** 2^60: an int beyond 2^53 that a JS number still holds exactly. */
export const LARGE_INT_ATTRIBUTE = 2 ** 60;

export interface SpanOptions {
  traceId?: string;
  serviceName?: string;
  hostName?: string;
  startTime?: HrTime;
  endTime?: HrTime;
  eventTime?: HrTime;
}

export function slowSyscallSpan(options: SpanOptions = {}): ReadableSpan {
  const {
    traceId = TRACE_ID,
    serviceName = 'checkout',
    hostName = 'host-a',
    startTime = SPAN_START,
    endTime = SPAN_END,
    eventTime = EVENT_TIME,
  } = options;
  return {
    name: 'syscall flock',
    kind: SpanKind.SERVER,
    spanContext: () => ({
      traceId,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=value'),
    }),
    parentSpanContext: { traceId, spanId: PARENT_SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true },
    startTime,
    endTime,
    status: { code: SpanStatusCode.ERROR, message: 'EWOULDBLOCK' },
    attributes: {
      [SpanAttr.syscallName]: 'flock',
      [SpanAttr.waitClass]: 'lock',
      [SpanAttr.syscallReturnValue]: -11,
      'stallscope.test.large_int': LARGE_INT_ATTRIBUTE,
      'stallscope.test.ratio': 0.25,
      'stallscope.test.flag': true,
      [SpanAttr.syscallArgs]: ['3', '2'],
    },
    links: [
      {
        context: { traceId: LINKED_TRACE_ID, spanId: LINKED_SPAN_ID, traceFlags: TraceFlags.NONE },
        attributes: { 'link.reason': 'follows' },
        droppedAttributesCount: 1,
      },
    ],
    events: [{ name: 'lock acquired', time: eventTime, attributes: { 'thread.id': 77 }, droppedAttributesCount: 2 }],
    duration: hrTimeOfNanos(hrTimeNanos(endTime) - hrTimeNanos(startTime)),
    ended: true,
    resource: resourceFromAttributes({
      [ResourceAttr.serviceName]: serviceName,
      [ResourceAttr.hostName]: hostName,
      [ResourceAttr.processPid]: 4242,
    }),
    instrumentationScope: { name: AGENT_SCOPE_NAME, version: '0.1.0' },
    droppedAttributesCount: 3,
    droppedEventsCount: 4,
    droppedLinksCount: 5,
  };
}

export function serializeSpans(spans: ReadableSpan[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('trace serializer produced nothing');
  return Buffer.from(bytes);
}

export interface SyscallHistogramPoint {
  syscall: string;
  waitClass: string;
  /** Scale-0 buckets: counts[i] counts durations in (2^(offset+i), 2^(offset+i+1)] ns. */
  offset: number;
  counts: number[];
  zeroCount?: number;
  sumNs: number;
  minNs: number;
  maxNs: number;
}

/** syscall.duration points of one service on one host, as the agent exports them (delta, scale 0). */
export function syscallDurationMetrics(options: {
  serviceName: string;
  hostName: string;
  startTime: HrTime;
  endTime: HrTime;
  points: SyscallHistogramPoint[];
}): ResourceMetrics {
  return {
    resource: resourceFromAttributes({
      [ResourceAttr.serviceName]: options.serviceName,
      [ResourceAttr.hostName]: options.hostName,
    }),
    scopeMetrics: [
      {
        scope: { name: AGENT_SCOPE_NAME, version: '0.1.0' },
        metrics: [
          {
            descriptor: { ...Metrics.syscallDuration, valueType: ValueType.INT },
            aggregationTemporality: AggregationTemporality.DELTA,
            dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
            dataPoints: options.points.map((point) => {
              const zeroCount = point.zeroCount ?? 0;
              return {
                startTime: options.startTime,
                endTime: options.endTime,
                attributes: { [MetricAttr.syscallName]: point.syscall, [MetricAttr.waitClass]: point.waitClass },
                value: {
                  count: zeroCount + point.counts.reduce((total, count) => total + count, 0),
                  sum: point.sumNs,
                  scale: 0,
                  zeroCount,
                  positive: { offset: point.offset, bucketCounts: point.counts },
                  negative: { offset: 0, bucketCounts: [] },
                  min: point.minNs,
                  max: point.maxNs,
                },
              };
            }),
          },
        ],
      },
    ],
  };
}

/** A gauge with two points, as the SDK exports one. */
export function cpuGaugeMetrics(): ResourceMetrics {
  return {
    resource: resourceFromAttributes({ [ResourceAttr.serviceName]: 'checkout' }),
    scopeMetrics: [
      {
        scope: { name: AGENT_SCOPE_NAME },
        metrics: [
          {
            descriptor: { name: 'process.cpu.utilization', description: '', unit: '1', valueType: ValueType.DOUBLE },
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [
              { startTime: [1, 0], endTime: [2, 0], attributes: { cpu: 0 }, value: 0.5 },
              { startTime: [1, 0], endTime: [2, 0], attributes: { cpu: 1 }, value: 0.25 },
            ],
          },
        ],
      },
    ],
  };
}

export function serializeMetrics(resourceMetrics: ResourceMetrics): Buffer {
  const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  if (!bytes) throw new Error('metrics serializer produced nothing');
  return Buffer.from(bytes);
}

/** The SDK's OTLP/JSON encoding (otlp_json) of the same spans. */
export function serializeSpansJson(spans: ReadableSpan[]): Buffer {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('trace JSON serializer produced nothing');
  return Buffer.from(bytes);
}

/** The SDK's OTLP/JSON encoding (otlp_json) of the same metrics. */
export function serializeMetricsJson(resourceMetrics: ResourceMetrics): Buffer {
  const bytes = JsonMetricsSerializer.serializeRequest(resourceMetrics);
  if (!bytes) throw new Error('metrics JSON serializer produced nothing');
  return Buffer.from(bytes);
}

type SdkLogRecord = Parameters<typeof ProtobufLogsSerializer.serializeRequest>[0][number];

/** Two application log records: one inside a sampled span, one with only an observed time and a map body. */
export function appLogRecords(options: { serviceName?: string; time?: HrTime; observedTime?: HrTime } = {}): SdkLogRecord[] {
  const { serviceName = 'checkout', time = SPAN_START, observedTime = EVENT_TIME } = options;
  const resource = resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: 'host-a' });
  const instrumentationScope = { name: 'app.logger', version: '1.4.0' };
  return [
    {
      hrTime: time,
      hrTimeObserved: time,
      spanContext: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED },
      severityText: 'WARN',
      severityNumber: 13,
      body: 'fsync took 2.5s',
      eventName: 'app.disk.slow',
      resource,
      instrumentationScope,
      attributes: { 'code.lineno': LARGE_INT_ATTRIBUTE, 'file.path': '/var/lib/app/wal' },
      droppedAttributesCount: 0,
    },
    {
      hrTime: [0, 0],
      hrTimeObserved: observedTime,
      severityNumber: 9,
      body: { queue: 'payments', depth: 3 },
      resource,
      instrumentationScope,
      attributes: {},
      droppedAttributesCount: 0,
    },
  ];
}

export function serializeLogs(records: SdkLogRecord[]): Buffer {
  const bytes = ProtobufLogsSerializer.serializeRequest(records);
  if (!bytes) throw new Error('logs serializer produced nothing');
  return Buffer.from(bytes);
}

export function serializeLogsJson(records: SdkLogRecord[]): Buffer {
  const bytes = JsonLogsSerializer.serializeRequest(records);
  if (!bytes) throw new Error('logs JSON serializer produced nothing');
  return Buffer.from(bytes);
}

/** Point times of the every-kind request: past 2^53 ns, so a trip through a JS number would show. */
export const POINT_START_NS = 1_700_000_000_123_456_789n;
export const POINT_TIME_NS = 1_700_000_060_987_654_321n;
export const EXEMPLAR_TIME_NS = 1_700_000_059_000_000_001n;
/** UInt64 values no JS number holds exactly. */
export const HISTOGRAM_COUNT = 9_223_372_036_854_775_809n;
export const SUMMARY_COUNT = 18_446_744_073_709_551_615n;
export const BUCKET_COUNT_MAX = 9_223_372_036_854_775_807n;
/** 2^60 + 1: decoded exactly, widened to the Float64 2^60 in the row as the exporter does. */
export const GAUGE_INT_VALUE = 1_152_921_504_606_846_977n;

function stringAttribute(key: string, value: string) {
  return { key, value: { stringValue: value } };
}

function intAttribute(key: string, value: number) {
  return { key, value: { intValue: value } };
}

/**
 * One ExportMetricsServiceRequest with a gauge, a sum, a histogram and a
 * summary (and a metric without data), every field the exporter's tables keep
 * set: exemplars with and without span ids, flags, bounds, quantiles, unset
 * optionals. Encoded by protobufjs from the upstream field layout, not by the
 * decoder under test; the SDK exports no summaries and no exemplars.
 */
export function everyMetricKindRequest(options: { serviceName?: string; timeShiftNs?: bigint } = {}): Buffer {
  const { serviceName = 'checkout', timeShiftNs = 0n } = options;
  const ids = { traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from(SPAN_ID, 'hex') };
  const times = { startTimeUnixNano: (POINT_START_NS + timeShiftNs).toString(), timeUnixNano: (POINT_TIME_NS + timeShiftNs).toString() };
  const exemplarTime = (EXEMPLAR_TIME_NS + timeShiftNs).toString();
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: [stringAttribute(ResourceAttr.serviceName, serviceName), stringAttribute(ResourceAttr.hostName, 'host-a')] },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: [
          {
            scope: { name: 'app.instrumentation', version: '2.1.0', attributes: [stringAttribute('scope.kind', 'library')], droppedAttributesCount: 3 },
            schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
            metrics: [
              {
                name: 'process.memory.usage',
                description: 'Resident memory',
                unit: 'By',
                gauge: {
                  dataPoints: [
                    {
                      ...times,
                      attributes: [intAttribute('process.pid', 4242)],
                      asInt: GAUGE_INT_VALUE.toString(),
                      exemplars: [
                        { filteredAttributes: [stringAttribute('thread', 'main')], timeUnixNano: exemplarTime, asInt: 7, ...ids },
                      ],
                    },
                    // flags 1: no recorded value (a staleness marker), its value NaN.
                    { ...times, attributes: [intAttribute('process.pid', 4243)], asDouble: Number.NaN, flags: 1 },
                  ],
                },
              },
              {
                name: 'http.server.requests',
                description: 'Requests served',
                unit: '{request}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      ...times,
                      attributes: [stringAttribute('http.route', '/pay')],
                      asDouble: 12.5,
                      exemplars: [{ timeUnixNano: exemplarTime, asDouble: 0.5 }],
                    },
                  ],
                },
              },
              {
                name: 'http.server.duration',
                description: 'Request latency',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      ...times,
                      attributes: [stringAttribute('http.route', '/pay')],
                      count: HISTOGRAM_COUNT.toString(),
                      sum: 1234.5,
                      bucketCounts: [BUCKET_COUNT_MAX.toString(), '1', '1'],
                      explicitBounds: [0.5, 2.5],
                      min: 0.25,
                      max: 9.75,
                      exemplars: [{ timeUnixNano: exemplarTime, asDouble: 1.5, ...ids }],
                    },
                    // No sum, min, max or buckets: the exporter writes zeros and empty arrays.
                    { ...times, attributes: [stringAttribute('http.route', '/idle')], count: '0' },
                  ],
                },
              },
              {
                name: 'rpc.latency',
                description: 'Precomputed latency quantiles',
                unit: 's',
                summary: {
                  dataPoints: [
                    {
                      ...times,
                      count: SUMMARY_COUNT.toString(),
                      sum: 99.5,
                      quantileValues: [
                        { quantile: 0, value: 0.001 },
                        { quantile: 0.5, value: 0.2 },
                        { quantile: 0.99, value: 1.5 },
                        { quantile: 1, value: 2 },
                      ],
                      flags: 0,
                    },
                  ],
                },
              },
              { name: 'metric.without.data', description: '', unit: '' },
            ],
          },
        ],
      },
    ],
  };
  const type = otlpMessageTypes().exportMetricsServiceRequest;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}
