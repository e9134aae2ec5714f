import type { Store } from '@stallscope/store';
import { budgetPeriodAt } from './budget-period.js';
import { BURN_RATE_LOOKBACK_SECONDS, burnRateStatus, type BurnRateStatus } from './burn-rate-alerts.js';
import { indicatorSlices } from './indicator-slices.js';
import {
  budgetRemainingOf,
  burnRateOf,
  complianceOf,
  countsBetween,
  errorBudgetShare,
  type SliceCounts,
} from './slice-counts.js';
import type { SloDefinition } from './slo-definition.js';

/** The look-back windows every report shows. */
export const REPORT_WINDOWS = [
  { window: '1h', seconds: 3_600 },
  { window: '6h', seconds: 21_600 },
  { window: '24h', seconds: 86_400 },
  { window: '7d', seconds: 604_800 },
  { window: '30d', seconds: 2_592_000 },
] as const;

export interface WindowFigures {
  readonly window: string;
  readonly goodEvents: number;
  readonly totalEvents: number;
  /** Share of good events (slices, for Timeslices); null without data. */
  readonly compliance: number | null;
  readonly burnRate: number | null;
  readonly budgetRemaining: number | null;
}

export interface SloStatus {
  readonly name: string;
  readonly displayName?: string | undefined;
  readonly service: string;
  readonly budgetingMethod: SloDefinition['budgetingMethod'];
  readonly target: number;
  readonly sliceSeconds: number;
  readonly evaluatedAt: string;
  /** The SLO's own window (rolling or the current calendar period) and its budget. */
  readonly budgetPeriod: WindowFigures & { readonly from: string; readonly to: string };
  readonly errorBudgetShare: number;
  readonly windows: WindowFigures[];
  readonly burnRate: BurnRateStatus;
}

/** What evaluating an SLO reads: its status and the slices it was computed from. */
export interface SloEvaluation {
  readonly status: SloStatus;
  readonly slices: readonly SliceCounts[];
}

function figures(window: string, slices: readonly SliceCounts[], fromSeconds: number, toSeconds: number, target: number): WindowFigures {
  const counts = countsBetween(slices, fromSeconds, toSeconds);
  return {
    window,
    goodEvents: counts.good,
    totalEvents: counts.total,
    compliance: complianceOf(counts),
    burnRate: burnRateOf(counts, target),
    budgetRemaining: budgetRemainingOf(counts, target),
  };
}

const isoOf = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** Reads the SLO's slices up to nowSeconds (a whole minute) and computes its status. */
export async function evaluateSlo(client: Store['client'], slo: SloDefinition, nowSeconds: number): Promise<SloEvaluation> {
  const period = budgetPeriodAt(slo.timeWindow, nowSeconds);
  const longestReportWindow = Math.max(...REPORT_WINDOWS.map((window) => window.seconds));
  const fromSeconds = Math.min(period.fromSeconds, nowSeconds - longestReportWindow, nowSeconds - BURN_RATE_LOOKBACK_SECONDS);
  const slices = await indicatorSlices(client, slo, fromSeconds, nowSeconds);
  const status: SloStatus = {
    name: slo.name,
    displayName: slo.displayName,
    service: slo.service,
    budgetingMethod: slo.budgetingMethod,
    target: slo.target,
    sliceSeconds: slo.sliceSeconds,
    evaluatedAt: isoOf(nowSeconds),
    budgetPeriod: {
      ...figures(slo.timeWindow.duration.text, slices, period.fromSeconds, period.toSeconds, slo.target),
      from: isoOf(period.fromSeconds),
      to: isoOf(period.toSeconds),
    },
    errorBudgetShare: errorBudgetShare(slo.target),
    windows: REPORT_WINDOWS.map(({ window, seconds }) => figures(window, slices, nowSeconds - seconds, nowSeconds, slo.target)),
    burnRate: burnRateStatus(slices, slo.target, nowSeconds),
  };
  return { status, slices };
}
