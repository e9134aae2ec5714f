import type { TraceResponse } from '@stallscope/query-api';
import { ResourceAttr, SpanAttr } from '@stallscope/schemas';
import { formatNs } from '../format.js';

type OtlpSpan = TraceResponse['resourceSpans'][number]['scopeSpans'][number]['spans'][number];
type KeyValue = OtlpSpan['attributes'][number];

interface Row {
  span: OtlpSpan;
  service: string;
  depth: number;
  kernel: boolean;
}

const valueText = (kv: KeyValue | undefined): string | undefined => {
  if (!kv) return undefined;
  const value = kv.value;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return value.intValue;
  if ('doubleValue' in value) return String(value.doubleValue);
  return String(value.boolValue);
};

const attributeOf = (attributes: readonly KeyValue[], key: string) => attributes.find((kv) => kv.key === key);

/** The spans depth first, each parent's children by start time; spans whose parent is missing start their own tree. */
function rowsOf(trace: TraceResponse): Row[] {
  const all: Omit<Row, 'depth'>[] = trace.resourceSpans.flatMap((resourceSpans) => {
    const service = valueText(attributeOf(resourceSpans.resource.attributes, ResourceAttr.serviceName)) ?? '';
    return resourceSpans.scopeSpans.flatMap((scopeSpans) =>
      scopeSpans.spans.map((span) => ({ span, service, kernel: attributeOf(span.attributes, SpanAttr.kernelDerived) !== undefined })),
    );
  });
  const ids = new Set(all.map((row) => row.span.spanId));
  const children = new Map<string, Omit<Row, 'depth'>[]>();
  for (const row of all) {
    const parent = ids.has(row.span.parentSpanId) ? row.span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), row]);
  }
  const rows: Row[] = [];
  const visit = (parent: string, depth: number): void => {
    const list = (children.get(parent) ?? []).sort((a, b) => (BigInt(a.span.startTimeUnixNano) < BigInt(b.span.startTimeUnixNano) ? -1 : 1));
    for (const row of list) {
      rows.push({ ...row, depth });
      visit(row.span.spanId, depth + 1);
    }
  };
  visit('', 0);
  return rows;
}

/**
 * A trace as a waterfall: one row per span, indented under its parent, its bar
 * placed on the trace's time line. Kernel child spans (slow syscalls the
 * process made inside the span) are marked and drawn hatched.
 */
export function waterfall(trace: TraceResponse): HTMLElement {
  const rows = rowsOf(trace);
  const start = rows.reduce((min, row) => (BigInt(row.span.startTimeUnixNano) < min ? BigInt(row.span.startTimeUnixNano) : min), BigInt(rows[0]?.span.startTimeUnixNano ?? 0));
  const end = rows.reduce((max, row) => (BigInt(row.span.endTimeUnixNano) > max ? BigInt(row.span.endTimeUnixNano) : max), start);
  const totalNs = Math.max(1, Number(end - start));
  const table = document.createElement('div');
  table.className = 'waterfall';
  for (const row of rows) {
    const offsetNs = Number(BigInt(row.span.startTimeUnixNano) - start);
    const durationNs = Number(BigInt(row.span.endTimeUnixNano) - BigInt(row.span.startTimeUnixNano));
    const line = document.createElement('div');
    line.className = row.kernel ? 'span-row span-kernel' : 'span-row';
    line.dataset.spanId = row.span.spanId;
    const label = document.createElement('div');
    label.className = 'span-label';
    label.style.paddingLeft = `${row.depth * 16}px`;
    if (row.kernel) {
      const badge = document.createElement('span');
      badge.className = 'badge kernel';
      badge.textContent = 'kernel';
      label.append(badge, ' ');
    }
    const name = document.createElement('span');
    name.className = 'span-name';
    name.textContent = row.span.name;
    label.append(name);
    const detail = row.kernel
      ? [valueText(attributeOf(row.span.attributes, SpanAttr.waitClass)), valueText(attributeOf(row.span.attributes, SpanAttr.fdTarget))]
      : [row.service];
    const context = document.createElement('span');
    context.className = 'span-context';
    context.textContent = detail.filter((part) => part !== undefined && part !== '').join(' · ');
    label.append(' ', context);
    const track = document.createElement('div');
    track.className = 'span-track';
    const bar = document.createElement('div');
    bar.className = 'span-bar';
    bar.style.left = `${(offsetNs / totalNs) * 100}%`;
    bar.style.width = `${Math.max(0.2, (durationNs / totalNs) * 100)}%`;
    bar.title = row.span.attributes.map((kv) => `${kv.key}=${valueText(kv) ?? ''}`).join('\n');
    const duration = document.createElement('span');
    duration.className = 'span-duration';
    duration.textContent = formatNs(durationNs);
    track.append(bar, duration);
    line.append(label, track);
    table.append(line);
  }
  return table;
}
