// Test fixtures: OTLP requests as the agent and applications send them, turned
// into rows by the ingest's own row builders and inserted into the store, so
// the query API is tested against the rows the pipeline writes. Tests only.
import {
  Tables,
  insertJsonEachRow,
  logRows,
  metricRows,
  traceRows,
  type AnyValue,
  type ExportLogsServiceRequest,
  type ExportMetricsServiceRequest,
  type ExportTraceServiceRequest,
  type KeyValue,
} from '@stallscope/ingest';
import { AGENT_SCOPE_NAME, CPU_STACK_EVENT, CpuStackLogAttr, GO_PARK_STACK_EVENT, GoParkLogAttr, LogAttr, MetricAttr, Metrics, OFFCPU_STACK_EVENT, ResourceAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';

const NS_PER_SECOND = 1_000_000_000n;
const DELTA = 1;

function anyValue(value: string | number): AnyValue {
  if (typeof value === 'string') return { type: 'string', value };
  return Number.isInteger(value) ? { type: 'int', value: BigInt(value) } : { type: 'double', value };
}

function keyValues(attributes: Record<string, string | number>): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function resource(service: string, host: string, extra: Record<string, string | number> = {}) {
  return {
    attributes: keyValues({ [ResourceAttr.serviceName]: service, [ResourceAttr.hostName]: host, ...extra }),
    droppedAttributesCount: 0,
  };
}

const agentScope = { name: AGENT_SCOPE_NAME, version: '0.1.0', attributes: [], droppedAttributesCount: 0 };

export interface HistogramPoint {
  service: string;
  host: string;
  metric: 'syscall.duration' | 'offcpu.duration' | 'go.stw.duration' | 'go.goroutine.wait.duration';
  attributes: Record<string, string>;
  /** End of the point's interval, unix seconds. */
  timeSeconds: number;
  /** Scale-0 buckets: counts[i] counts values in (2^(offset+i), 2^(offset+i+1)] ns. */
  offset: number;
  counts: number[];
  sumNs: number;
  maxNs: number;
}

export function syscallPoint(
  service: string,
  timeSeconds: number,
  syscall: string,
  waitClass: string,
  bucket: { offset: number; counts: number[]; sumNs: number; maxNs: number },
  host = 'host-a',
): HistogramPoint {
  return {
    service,
    host,
    metric: 'syscall.duration',
    attributes: { [MetricAttr.syscallName]: syscall, [MetricAttr.waitClass]: waitClass, [MetricAttr.waitClassRule]: 'syscall' },
    timeSeconds,
    ...bucket,
  };
}

export async function insertHistograms(store: Store, points: readonly HistogramPoint[]): Promise<void> {
  const request: ExportMetricsServiceRequest = {
    resourceMetrics: points.map((point) => ({
      resource: resource(point.service, point.host),
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: agentScope,
          schemaUrl: '',
          metrics: [
            {
              name: point.metric,
              description: '',
              unit: 'ns',
              metadata: [],
              data: {
                type: 'exponentialHistogram',
                aggregationTemporality: DELTA,
                dataPoints: [
                  {
                    attributes: keyValues(point.attributes),
                    startTimeUnixNano: BigInt(point.timeSeconds - 10) * NS_PER_SECOND,
                    timeUnixNano: BigInt(point.timeSeconds) * NS_PER_SECOND,
                    count: BigInt(point.counts.reduce((sum, count) => sum + count, 0)),
                    sum: point.sumNs,
                    scale: 0,
                    zeroCount: 0n,
                    positive: { offset: point.offset, bucketCounts: point.counts.map(BigInt) },
                    negative: { offset: 0, bucketCounts: [] },
                    flags: 0,
                    exemplars: [],
                    min: 0,
                    max: point.maxNs,
                    zeroThreshold: 0,
                  },
                ],
              },
            },
          ],
        },
      ],
    })),
  };
  const rows = metricRows(request).exponentialHistograms;
  await insertJsonEachRow(store.client, Tables.exponentialHistograms, rows, {});
}

export interface ErrorCountPoint {
  service: string;
  host: string;
  timeSeconds: number;
  syscall: string;
  errno: string;
  errorType: string;
  count: number;
}

export async function insertErrorCounts(store: Store, points: readonly ErrorCountPoint[]): Promise<void> {
  const request: ExportMetricsServiceRequest = {
    resourceMetrics: points.map((point) => ({
      resource: resource(point.service, point.host),
      schemaUrl: '',
      scopeMetrics: [
        {
          scope: agentScope,
          schemaUrl: '',
          metrics: [
            {
              name: Metrics.syscallErrors.name,
              description: '',
              unit: Metrics.syscallErrors.unit,
              metadata: [],
              data: {
                type: 'sum',
                aggregationTemporality: DELTA,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: keyValues({
                      [MetricAttr.syscallName]: point.syscall,
                      [MetricAttr.errnoName]: point.errno,
                      [MetricAttr.errorType]: point.errorType,
                    }),
                    startTimeUnixNano: BigInt(point.timeSeconds - 10) * NS_PER_SECOND,
                    timeUnixNano: BigInt(point.timeSeconds) * NS_PER_SECOND,
                    value: { type: 'int', value: BigInt(point.count) },
                    exemplars: [],
                    flags: 0,
                  },
                ],
              },
            },
          ],
        },
      ],
    })),
  };
  await insertJsonEachRow(store.client, Tables.sums, metricRows(request).sums, {});
}

export interface SpanSpec {
  service: string;
  host?: string;
  name: string;
  /** The agent's scope for slow-syscall spans, an application's otherwise. */
  scope?: string;
  startSeconds: number;
  durationMs: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode?: number;
  kind?: number;
  attributes?: Record<string, string | number>;
  resource?: Record<string, string | number>;
}

let spanCounter = 0;

function idBytes(length: number): Uint8Array {
  spanCounter += 1;
  const bytes = new Uint8Array(length);
  new DataView(bytes.buffer).setUint32(length - 4, spanCounter);
  return bytes;
}

export async function insertSpans(store: Store, spans: readonly SpanSpec[]): Promise<void> {
  const request: ExportTraceServiceRequest = {
    resourceSpans: spans.map((span) => {
      const startNs = BigInt(span.startSeconds) * NS_PER_SECOND;
      return {
        resource: resource(span.service, span.host ?? 'host-a', span.resource),
        schemaUrl: '',
        scopeSpans: [
          {
            scope: { ...agentScope, name: span.scope ?? 'app.http' },
            schemaUrl: '',
            spans: [
              {
                traceId: idBytes(16),
                spanId: idBytes(8),
                traceState: '',
                parentSpanId: new Uint8Array(0),
                flags: 1,
                name: span.name,
                kind: span.kind ?? 2,
                startTimeUnixNano: startNs,
                endTimeUnixNano: startNs + BigInt(Math.round(span.durationMs * 1e6)),
                attributes: keyValues(span.attributes ?? {}),
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { message: '', code: span.statusCode ?? 0 },
              },
            ],
          },
        ],
      };
    }),
  };
  await insertJsonEachRow(store.client, Tables.traces, traceRows(request), {});
}

export interface OffCpuStackLog {
  service: string;
  host?: string;
  timeSeconds: number;
  stack: string;
  threadState: string;
  offCpuNs: number;
}

export async function insertOffCpuStacks(store: Store, stacks: readonly OffCpuStackLog[]): Promise<void> {
  await insertStackLogs(
    store,
    OFFCPU_STACK_EVENT,
    stacks.map((stack) => ({ ...stack, attributes: { [LogAttr.threadState]: stack.threadState, [LogAttr.offCpuNs]: stack.offCpuNs, [LogAttr.sleeps]: 1 } })),
  );
}

export interface CpuStackLog {
  service: string;
  host?: string;
  timeSeconds: number;
  stack: string;
  samples: number;
  cpuNs: number;
}

export async function insertCpuStacks(store: Store, stacks: readonly CpuStackLog[]): Promise<void> {
  await insertStackLogs(
    store,
    CPU_STACK_EVENT,
    stacks.map((stack) => ({ ...stack, attributes: { [CpuStackLogAttr.samples]: stack.samples, [CpuStackLogAttr.cpuNs]: stack.cpuNs } })),
  );
}

/** Folded-stack log records as the agent exports them: the stack in the body, its figures in attributes. */
async function insertStackLogs(
  store: Store,
  eventName: string,
  stacks: readonly { service: string; host?: string; timeSeconds: number; stack: string; attributes: Record<string, string | number> }[],
): Promise<void> {
  const request: ExportLogsServiceRequest = {
    resourceLogs: stacks.map((stack) => ({
      resource: resource(stack.service, stack.host ?? 'host-a'),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: agentScope,
          schemaUrl: '',
          logRecords: [
            {
              timeUnixNano: BigInt(stack.timeSeconds) * NS_PER_SECOND,
              observedTimeUnixNano: BigInt(stack.timeSeconds) * NS_PER_SECOND,
              severityNumber: 0,
              severityText: '',
              body: { type: 'string', value: stack.stack },
              attributes: keyValues(stack.attributes),
              droppedAttributesCount: 0,
              flags: 0,
              traceId: new Uint8Array(0),
              spanId: new Uint8Array(0),
              eventName,
            },
          ],
        },
      ],
    })),
  };
  await insertJsonEachRow(store.client, Tables.logs, logRows(request), {});
}

/** One number point of a sum (delta, monotonic) or a gauge. */
export interface NumberPoint {
  service: string;
  host?: string;
  metric: string;
  kind: 'sum' | 'gauge';
  timeSeconds: number;
  value: number;
  attributes?: Record<string, string>;
}

export async function insertNumberPoints(store: Store, points: readonly NumberPoint[]): Promise<void> {
  const request: ExportMetricsServiceRequest = {
    resourceMetrics: points.map((point) => {
      const dataPoints = [
        {
          attributes: keyValues(point.attributes ?? {}),
          startTimeUnixNano: BigInt(point.timeSeconds - 10) * NS_PER_SECOND,
          timeUnixNano: BigInt(point.timeSeconds) * NS_PER_SECOND,
          value: { type: 'int' as const, value: BigInt(point.value) },
          exemplars: [],
          flags: 0,
        },
      ];
      return {
        resource: resource(point.service, point.host ?? 'host-a'),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: agentScope,
            schemaUrl: '',
            metrics: [
              {
                name: point.metric,
                description: '',
                unit: '',
                metadata: [],
                data:
                  point.kind === 'sum'
                    ? { type: 'sum' as const, aggregationTemporality: DELTA, isMonotonic: true, dataPoints }
                    : { type: 'gauge' as const, dataPoints },
              },
            ],
          },
        ],
      };
    }),
  };
  const rows = metricRows(request);
  if (rows.sums.length > 0) await insertJsonEachRow(store.client, Tables.sums, rows.sums, {});
  if (rows.gauges.length > 0) await insertJsonEachRow(store.client, Tables.gauges, rows.gauges, {});
}

export interface GoParkStackLog {
  service: string;
  timeSeconds: number;
  stack: string;
  waitReason: string;
  parkedNs: number;
}

export async function insertGoParkStacks(store: Store, stacks: readonly GoParkStackLog[]): Promise<void> {
  const request: ExportLogsServiceRequest = {
    resourceLogs: stacks.map((stack) => ({
      resource: resource(stack.service, 'host-a'),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: agentScope,
          schemaUrl: '',
          logRecords: [
            {
              timeUnixNano: BigInt(stack.timeSeconds) * NS_PER_SECOND,
              observedTimeUnixNano: BigInt(stack.timeSeconds) * NS_PER_SECOND,
              severityNumber: 0,
              severityText: '',
              body: { type: 'string', value: stack.stack },
              attributes: keyValues({ [GoParkLogAttr.waitReason]: stack.waitReason, [GoParkLogAttr.parkedNs]: stack.parkedNs, [GoParkLogAttr.parks]: 1 }),
              droppedAttributesCount: 0,
              flags: 0,
              traceId: new Uint8Array(0),
              spanId: new Uint8Array(0),
              eventName: GO_PARK_STACK_EVENT,
            },
          ],
        },
      ],
    })),
  };
  await insertJsonEachRow(store.client, Tables.logs, logRows(request), {});
}

/** A log record of the agent's, as its signals send them (event name, body, attributes). */
export interface AgentLogRecord {
  service: string;
  host: string;
  timeUnixNs: bigint;
  eventName: string;
  body: string;
  attributes: Record<string, string | number>;
}

export async function insertAgentLogRecords(store: Store, records: readonly AgentLogRecord[]): Promise<void> {
  const request: ExportLogsServiceRequest = {
    resourceLogs: records.map((record) => ({
      resource: resource(record.service, record.host),
      schemaUrl: '',
      scopeLogs: [
        {
          scope: agentScope,
          schemaUrl: '',
          logRecords: [
            {
              timeUnixNano: record.timeUnixNs,
              observedTimeUnixNano: record.timeUnixNs,
              severityNumber: 0,
              severityText: '',
              body: { type: 'string', value: record.body },
              attributes: keyValues(record.attributes),
              droppedAttributesCount: 0,
              flags: 0,
              traceId: new Uint8Array(0),
              spanId: new Uint8Array(0),
              eventName: record.eventName,
            },
          ],
        },
      ],
    })),
  };
  await insertJsonEachRow(store.client, Tables.logs, logRows(request), {});
}
