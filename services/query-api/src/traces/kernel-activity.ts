// Which application span a slow syscall belongs under: the deepest span of the
// same process (and thread, when the span says which) whose time range holds
// the whole call.
import { AGENT_SCOPE_NAME, ResourceAttr, SpanAttr } from '@stallscope/schemas';
import type { ProcessKey } from './trace-reader.js';
import { endNsOf, type StoredSpan } from './stored-span.js';

export function isKernelSpan(span: StoredSpan): boolean {
  return span.scopeName === AGENT_SCOPE_NAME;
}

/** The span's process, when its resource names both host and pid. */
export function processOf(span: StoredSpan): ProcessKey | undefined {
  const hostName = span.resource[ResourceAttr.hostName];
  const pid = span.resource[ResourceAttr.processPid];
  return hostName && pid ? { hostName, pid } : undefined;
}

const processId = ({ hostName, pid }: ProcessKey): string => JSON.stringify([hostName, pid]);

/** The distinct processes the application spans ran in. */
export function processesOf(spans: readonly StoredSpan[]): ProcessKey[] {
  const byId = new Map<string, ProcessKey>();
  for (const span of spans) {
    const process = processOf(span);
    if (process) byId.set(processId(process), process);
  }
  return [...byId.values()];
}

/** Depth of every span in its trace: 0 for a span whose parent is not in it. */
function depthsOf(spans: readonly StoredSpan[]): Map<string, number> {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const depths = new Map<string, number>();
  const depthOf = (span: StoredSpan, seen: Set<string>): number => {
    const known = depths.get(span.spanId);
    if (known !== undefined) return known;
    const parent = byId.get(span.parentSpanId);
    // A parent cycle (a broken trace) is cut where it closes.
    const depth = parent && !seen.has(parent.spanId) ? depthOf(parent, seen.add(span.spanId)) + 1 : 0;
    depths.set(span.spanId, depth);
    return depth;
  };
  for (const span of spans) depthOf(span, new Set());
  return depths;
}

interface Candidate {
  span: StoredSpan;
  depth: number;
  process: string;
  threadId: string | undefined;
}

function encloses(outer: StoredSpan, inner: StoredSpan): boolean {
  return outer.startNs <= inner.startNs && endNsOf(inner) <= endNsOf(outer);
}

/** Deeper first; at equal depth the later start, then the shorter span (the innermost). */
function isBetter(candidate: Candidate, best: Candidate | undefined): boolean {
  if (!best) return true;
  if (candidate.depth !== best.depth) return candidate.depth > best.depth;
  if (candidate.span.startNs !== best.span.startNs) return candidate.span.startNs > best.span.startNs;
  return candidate.span.durationNs < best.span.durationNs;
}

/** A kernel span and the application span it happened under. */
export interface KernelChild {
  span: StoredSpan;
  parentSpanId: string;
}

/**
 * The kernel spans that happened inside an application span of their process,
 * each with the deepest such span as parent. An application span that names
 * its thread (thread.id) takes only that thread's calls; one that does not
 * takes any thread's. Kernel spans under no application span are left out.
 */
export function attachKernelSpans(appSpans: readonly StoredSpan[], kernelSpans: readonly StoredSpan[]): KernelChild[] {
  const depths = depthsOf(appSpans);
  const candidates: Candidate[] = [];
  for (const span of appSpans) {
    const process = processOf(span);
    if (!process || isKernelSpan(span)) continue;
    candidates.push({ span, depth: depths.get(span.spanId) ?? 0, process: processId(process), threadId: span.attributes[SpanAttr.threadId] });
  }
  const children: KernelChild[] = [];
  for (const kernelSpan of kernelSpans) {
    const process = processOf(kernelSpan);
    if (!process) continue;
    const kernelProcess = processId(process);
    const kernelThread = kernelSpan.attributes[SpanAttr.threadId];
    let best: Candidate | undefined;
    for (const candidate of candidates) {
      if (candidate.process !== kernelProcess) continue;
      if (candidate.threadId !== undefined && candidate.threadId !== kernelThread) continue;
      if (!encloses(candidate.span, kernelSpan)) continue;
      if (isBetter(candidate, best)) best = candidate;
    }
    if (best) children.push({ span: kernelSpan, parentSpanId: best.span.spanId });
  }
  return children;
}
