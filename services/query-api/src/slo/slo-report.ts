import type { Store } from '@stallscope/store';
import { badTimeBreakdown, type BadTimeBreakdown } from './bad-time-breakdown.js';
import type { ComparisonOp, Indicator, SloDefinition, SpanSelector } from './slo-definition.js';
import { evaluateSlo, type SloStatus } from './slo-status.js';

export interface SloReport extends SloStatus {
  readonly description?: string | undefined;
  /** The indicator in words, e.g. "p99 of read calls < 20 ms". */
  readonly objective: string;
  readonly badTime: BadTimeBreakdown;
}

const OP_TEXT: Readonly<Record<ComparisonOp, string>> = { lt: '<', lte: '≤', gt: '>', gte: '≥' };

function spansText(spans: SpanSelector): string {
  return [spans.spanKind, spans.spanName ?? 'all', 'spans'].filter((part) => part !== undefined).join(' ');
}

/** What the SLO measures, in one line. */
export function objectiveText(indicator: Indicator, slo: SloDefinition): string {
  const target = `${+(slo.target * 100).toFixed(6)}%`;
  if (indicator.kind === 'ratio') {
    const { filter } = indicator;
    const conditions = [
      filter.statusCodes ? `status ${filter.statusCodes.join('/')}` : undefined,
      filter.maxDurationMs !== undefined ? `≤ ${filter.maxDurationMs} ms` : undefined,
    ].filter((part) => part !== undefined);
    return `${target} of ${spansText(indicator.total)} ${indicator.counted === 'good' ? '' : 'not '}${conditions.join(', ')}`;
  }
  const { source, op, value } = indicator;
  const slices = slo.budgetingMethod === 'Timeslices' ? `${target} of ${slo.sliceSeconds / 60}m slices: ` : `${target} of `;
  switch (source.signal) {
    case 'syscall.duration': {
      const calls = source.syscall ?? (source.waitClass ? `${source.waitClass} waits` : 'non-idle syscalls');
      return `${slices}${source.statistic} of ${calls}${source.syscall && source.waitClass ? ` (${source.waitClass})` : ''} ${OP_TEXT[op]} ${value} ms`;
    }
    case 'wait.share':
      return `${slices}non-idle blocked share of wall time per host ${OP_TEXT[op]} ${+(value * 100).toFixed(6)}%`;
    case 'spans':
      return slo.budgetingMethod === 'Occurrences'
        ? `${slices}${spansText(source.spans)} ${OP_TEXT[op]} ${value} ms`
        : `${slices}${source.statistic} of ${spansText(source.spans)} ${OP_TEXT[op]} ${value} ms`;
  }
}

/** Status plus where the bad time went in the kernel. */
export async function buildSloReport(client: Store['client'], slo: SloDefinition, nowSeconds: number): Promise<SloReport> {
  const { status, slices } = await evaluateSlo(client, slo, nowSeconds);
  return {
    ...status,
    description: slo.description,
    objective: objectiveText(slo.indicator, slo),
    badTime: await badTimeBreakdown(client, slo, slices, nowSeconds),
  };
}
