import type Long from 'long';
import type { SignalName } from './signals.js';

/** One span, metric or log record as protobufjs decodes it (or builds it from OTLP JSON). */
export type OtlpItem = Record<string, unknown>;

export interface ItemRules {
  /** Spans and log records count one each; a metric counts its data points, as partial_success does. */
  count(item: OtlpItem): number;
  /** Why the store could not take the item (it is then rejected through partial_success), or undefined. */
  invalidReason(item: OtlpItem): string | undefined;
}

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;

function idBytes(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array();
}

/** A required id: the right length and not all zeros (the spec's invalid id). */
function badId(value: unknown, length: number, field: string): string | undefined {
  const id = idBytes(value);
  if (id.length !== length) return `${field} must be ${length} bytes, got ${id.length}`;
  if (id.every((byte) => byte === 0)) return `${field} must not be all zeros`;
  return undefined;
}

/** An optional id: empty, or the right length. */
function badOptionalId(value: unknown, length: number, field: string): string | undefined {
  const id = idBytes(value);
  return id.length === 0 || id.length === length ? undefined : `${field} must be empty or ${length} bytes, got ${id.length}`;
}

/** Hex of a trace id, as the Collector's kafka exporter keys messages. */
export function traceIdHex(span: OtlpItem): string {
  return Buffer.from(idBytes(span.traceId)).toString('hex');
}

const spanRules: ItemRules = {
  count: () => 1,
  invalidReason(span) {
    const links = (span.links ?? []) as OtlpItem[];
    const start = span.startTimeUnixNano as Long | undefined;
    const end = span.endTimeUnixNano as Long | undefined;
    return (
      badId(span.traceId, TRACE_ID_BYTES, 'trace_id') ??
      badId(span.spanId, SPAN_ID_BYTES, 'span_id') ??
      badOptionalId(span.parentSpanId, SPAN_ID_BYTES, 'parent_span_id') ??
      links
        .map((link) => badId(link.traceId, TRACE_ID_BYTES, 'links.trace_id') ?? badId(link.spanId, SPAN_ID_BYTES, 'links.span_id'))
        .find((reason) => reason !== undefined) ??
      (start && end && end.lessThan(start) ? 'end_time_unix_nano is before start_time_unix_nano' : undefined)
    );
  },
};

const METRIC_DATA_FIELDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

const metricRules: ItemRules = {
  count(metric) {
    const field = metric.data as (typeof METRIC_DATA_FIELDS)[number] | undefined;
    const data = field ? (metric[field] as { dataPoints?: unknown[] } | null) : undefined;
    return data?.dataPoints?.length ?? 0;
  },
  invalidReason: () => undefined,
};

const logRecordRules: ItemRules = {
  count: () => 1,
  invalidReason(record) {
    return badOptionalId(record.traceId, TRACE_ID_BYTES, 'trace_id') ?? badOptionalId(record.spanId, SPAN_ID_BYTES, 'span_id');
  },
};

export const itemRules: Record<SignalName, ItemRules> = {
  traces: spanRules,
  metrics: metricRules,
  logs: logRecordRules,
};
