import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../access/principal.js';
import { attachKernelSpans, isKernelSpan, processesOf } from './kernel-activity.js';
import { endNsOf, type StoredSpan } from './stored-span.js';
import { readKernelSpans, readTraceSpans } from './trace-reader.js';

/** A span as served: a kernel child carries its application trace's id and parent. */
export interface ViewSpan extends StoredSpan {
  /** Made by the BPF agent (served with the stallscope.kernel attribute). */
  kernelDerived: boolean;
}

export interface TraceView {
  traceId: string;
  /** Start order; kernel children after the trace's own spans. */
  spans: ViewSpan[];
  /** What was left out, for the reader to know the trace is incomplete. */
  warnings: string[];
}

export interface TraceLimits {
  /** Most spans read for all requested traces together. */
  maxTraceSpans: number;
  /** Most kernel spans read per trace. */
  maxKernelSpansPerTrace: number;
}

export const traceLimitDefaults: TraceLimits = { maxTraceSpans: 10_000, maxKernelSpansPerTrace: 10_000 };

async function withKernelActivity(
  client: Store['client'],
  traceId: string,
  spans: StoredSpan[],
  scope: ServiceScope,
  limits: TraceLimits,
): Promise<TraceView> {
  const warnings: string[] = [];
  const appSpans = spans.filter((span) => !isKernelSpan(span));
  const processes = processesOf(appSpans);
  let kernelSpans: StoredSpan[] = [];
  if (processes.length > 0 && appSpans.length > 0) {
    kernelSpans = await readKernelSpans(client, {
      processes,
      fromNs: appSpans.reduce((first, span) => (span.startNs < first ? span.startNs : first), appSpans[0]!.startNs),
      toNs: appSpans.reduce((last, span) => (endNsOf(span) > last ? endNsOf(span) : last), 0n),
      maxSpans: limits.maxKernelSpansPerTrace,
      scope,
    });
    if (kernelSpans.length === limits.maxKernelSpansPerTrace) {
      warnings.push(`kernel activity cut at ${limits.maxKernelSpansPerTrace} spans; later slow syscalls of the trace's processes are not shown`);
    }
  }
  const ownSpanIds = new Set(spans.map((span) => span.spanId));
  const kernelChildren = attachKernelSpans(appSpans, kernelSpans)
    .filter(({ span }) => !ownSpanIds.has(span.spanId))
    .map(({ span, parentSpanId }): ViewSpan => ({ ...span, traceId, parentSpanId, kernelDerived: true }));
  const own = spans.map((span): ViewSpan => ({ ...span, kernelDerived: isKernelSpan(span) }));
  return { traceId, spans: [...own, ...kernelChildren], warnings };
}

/**
 * The traces found, in the order asked for, each with the kernel activity
 * under its spans; absent ones are left out. A scoped caller reads only the
 * spans of its services: a trace with none of them is absent, exactly as one
 * that does not exist, so the answer says nothing about other services.
 */
export async function readTraceViews(
  client: Store['client'],
  traceIds: readonly string[],
  scope: ServiceScope,
  limits = traceLimitDefaults,
): Promise<TraceView[]> {
  if (traceIds.length === 0) return [];
  const spans = await readTraceSpans(client, traceIds, limits.maxTraceSpans, scope);
  const byTrace = new Map<string, StoredSpan[]>();
  for (const span of spans) {
    const traceSpans = byTrace.get(span.traceId) ?? [];
    traceSpans.push(span);
    byTrace.set(span.traceId, traceSpans);
  }
  const views: TraceView[] = [];
  for (const traceId of traceIds) {
    const traceSpans = byTrace.get(traceId);
    if (!traceSpans) continue;
    const view = await withKernelActivity(client, traceId, traceSpans, scope, limits);
    if (spans.length === limits.maxTraceSpans) view.warnings.push(`spans cut at ${limits.maxTraceSpans}; the trace has more`);
    views.push(view);
  }
  return views;
}
