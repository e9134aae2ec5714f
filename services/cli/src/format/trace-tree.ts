import type { TraceResponse } from '@stallscope/query-api';
import type { Style } from './style.js';
import { renderTable, type Column } from './table.js';
import { formatMilliseconds } from './units.js';

type ResourceSpans = TraceResponse['resourceSpans'][number];
type Span = ResourceSpans['scopeSpans'][number]['spans'][number];
type KeyValue = Span['attributes'][number];

/** The attribute the API sets on the slow syscalls it placed under a trace's spans. */
const KERNEL_ATTRIBUTE = 'stallscope.kernel';
const KERNEL_MARK = '[kernel] ';
const BAR_WIDTH = 30;

export interface TraceNode {
  span: Span;
  service: string;
  kernel: boolean;
  startNs: bigint;
  endNs: bigint;
  children: TraceNode[];
}

function attribute(attributes: readonly KeyValue[], key: string): KeyValue['value'] | undefined {
  return attributes.find((entry) => entry.key === key)?.value;
}

/** The trace's spans as a forest: children under their parent in start order; a span whose parent is absent is a root. */
export function traceForest(trace: TraceResponse): TraceNode[] {
  const nodes: TraceNode[] = trace.resourceSpans.flatMap((resourceSpans) => {
    const service = attribute(resourceSpans.resource.attributes, 'service.name');
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => {
        const kernel = attribute(span.attributes, KERNEL_ATTRIBUTE);
        return {
          span,
          service: service && 'stringValue' in service ? service.stringValue : '',
          kernel: kernel !== undefined && 'boolValue' in kernel && kernel.boolValue,
          startNs: BigInt(span.startTimeUnixNano),
          endNs: BigInt(span.endTimeUnixNano),
          children: [],
        };
      }),
    );
  });
  const bySpanId = new Map(nodes.map((node) => [node.span.spanId, node]));
  const roots: TraceNode[] = [];
  for (const node of nodes) {
    const parent = node.span.parentSpanId === '' ? undefined : bySpanId.get(node.span.parentSpanId);
    (parent ? parent.children : roots).push(node);
  }
  const byStart = (a: TraceNode, b: TraceNode) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);
  for (const node of nodes) node.children.sort(byStart);
  return roots.sort(byStart);
}

interface Line {
  node: TraceNode;
  label: string;
}

/** Depth-first lines with box-drawing prefixes, so the nesting reads without a UI. */
function treeLines(roots: readonly TraceNode[]): Line[] {
  const lines: Line[] = [];
  const visit = (node: TraceNode, prefix: string, branch: string) => {
    lines.push({ node, label: `${prefix}${branch}${node.kernel ? KERNEL_MARK : ''}${node.span.name}` });
    const childPrefix = prefix + (branch === '├─ ' ? '│  ' : branch === '└─ ' ? '   ' : '');
    node.children.forEach((child, index) => visit(child, childPrefix, index === node.children.length - 1 ? '└─ ' : '├─ '));
  };
  for (const root of roots) visit(root, '', '');
  return lines;
}

/** Where the span sits in the trace, drawn in BAR_WIDTH columns: at least one block however short. */
function bar(node: TraceNode, traceStartNs: bigint, traceNs: number): string {
  const scale = traceNs > 0 ? BAR_WIDTH / traceNs : 0;
  const from = Math.min(BAR_WIDTH - 1, Math.floor(Number(node.startNs - traceStartNs) * scale));
  const length = Math.max(1, Math.min(BAR_WIDTH - from, Math.round(Number(node.endNs - node.startNs) * scale)));
  return ' '.repeat(from) + (node.kernel ? '▒' : '█').repeat(length);
}

/** A waterfall as text: the span tree, each span's service, start offset, duration and bar; kernel children marked. */
export function renderTrace(trace: TraceResponse, options: { width: number | undefined; style: Style }): string {
  const lines = treeLines(traceForest(trace));
  if (lines.length === 0) return `trace ${trace.traceId}: no spans`;
  const startNs = lines.reduce((first, { node }) => (node.startNs < first ? node.startNs : first), lines[0]!.node.startNs);
  const endNs = lines.reduce((last, { node }) => (node.endNs > last ? node.endNs : last), 0n);
  const traceNs = Number(endNs - startNs);
  const kernelSpans = lines.filter(({ node }) => node.kernel).length;
  const isKernel = (rowIndex: number) => lines[rowIndex]?.node.kernel === true;
  const columns: Column[] = [
    { header: 'SPAN', align: 'left', shrinkable: true, paint: (text, row) => (isKernel(row) ? options.style.yellow(text) : text) },
    { header: 'SERVICE', align: 'left', shrinkable: true },
    { header: 'START', align: 'right' },
    { header: 'DURATION', align: 'right' },
    { header: 'WATERFALL', align: 'left' },
  ];
  const rows = lines.map(({ node, label }) => [
    label,
    node.service,
    `+${formatMilliseconds(Number(node.startNs - startNs) / 1e6)}`,
    formatMilliseconds(Number(node.endNs - node.startNs) / 1e6),
    bar(node, startNs, traceNs),
  ]);
  const summary = `trace ${trace.traceId}: ${lines.length} spans (${kernelSpans} kernel), ${formatMilliseconds(traceNs / 1e6)}`;
  return `${summary}\n${renderTable(columns, rows, options)}`;
}
