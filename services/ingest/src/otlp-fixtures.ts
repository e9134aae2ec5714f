// Test fixtures: OTel SDK objects as the agent builds them, serialized with the
// SDK's own OTLP protobuf serializers. Imported by tests only.
import { SpanKind, SpanStatusCode, TraceFlags, ValueType, createTraceState, type HrTime } from '@opentelemetry/api';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AGENT_SCOPE_NAME, MetricAttr, Metrics, ResourceAttr, SpanAttr } from '@stallscope/schemas';

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
  serviceName?: string;
  hostName?: string;
  startTime?: HrTime;
  endTime?: HrTime;
  eventTime?: HrTime;
}

export function slowSyscallSpan(options: SpanOptions = {}): ReadableSpan {
  const { serviceName = 'checkout', hostName = 'host-a', startTime = SPAN_START, endTime = SPAN_END, eventTime = EVENT_TIME } = options;
  return {
    name: 'syscall flock',
    kind: SpanKind.SERVER,
    spanContext: () => ({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=value'),
    }),
    parentSpanContext: { traceId: TRACE_ID, spanId: PARENT_SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true },
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

/** A gauge with two points, a kind of metric that has no table yet. */
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
