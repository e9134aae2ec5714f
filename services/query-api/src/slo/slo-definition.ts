// What stallscope computes an SLO from, once its OpenSLO documents are read
// and its indicator is known to be computable from our tables.
import type { WaitClass } from '@stallscope/schemas';
import type { DurationShorthand } from './duration-shorthand.js';

export const COMPARISON_OPS = ['lt', 'lte', 'gt', 'gte'] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

/** Per-slice statistics of a latency distribution. */
export const LATENCY_STATISTICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
export type LatencyStatistic = (typeof LATENCY_STATISTICS)[number];

export const SPAN_STATUS_CODES = ['Unset', 'Ok', 'Error'] as const;
export type SpanStatusCode = (typeof SPAN_STATUS_CODES)[number];

/** Which application spans an indicator reads (the agent's own syscall spans never count). */
export interface SpanSelector {
  readonly service: string;
  readonly spanName?: string | undefined;
  readonly spanKind?: string | undefined;
}

/**
 * A value per time slice, compared with the objective's `op` and `value`:
 * - syscall.duration: a statistic of the service's syscall latency, in ms, from
 *   the per-minute rollup (one syscall or wait class, or all non-idle calls);
 * - wait.share: non-idle blocked time over the slice's wall time, per host;
 * - spans: a statistic of span durations in ms; or, budgeted by occurrences,
 *   each span compared on its own.
 */
export type ThresholdSource =
  | {
      readonly signal: 'syscall.duration';
      readonly service: string;
      readonly syscall?: string | undefined;
      readonly waitClass?: WaitClass | undefined;
      readonly statistic: LatencyStatistic;
    }
  | { readonly signal: 'wait.share'; readonly service: string }
  | { readonly signal: 'spans'; readonly spans: SpanSelector; readonly statistic: LatencyStatistic };

/** Spans that count as good (or bad) among the total's spans. */
export interface SpanEventFilter {
  readonly statusCodes?: readonly SpanStatusCode[] | undefined;
  readonly maxDurationMs?: number | undefined;
}

export interface RatioIndicator {
  readonly kind: 'ratio';
  readonly total: SpanSelector;
  /** `good` events are counted, or `bad` ones and good = total - bad. */
  readonly counted: 'good' | 'bad';
  readonly filter: SpanEventFilter;
}

export interface ThresholdIndicator {
  readonly kind: 'threshold';
  readonly source: ThresholdSource;
  readonly op: ComparisonOp;
  readonly value: number;
}

export type Indicator = RatioIndicator | ThresholdIndicator;

export type TimeWindow =
  | { readonly kind: 'rolling'; readonly duration: DurationShorthand }
  | {
      readonly kind: 'calendar';
      readonly duration: DurationShorthand;
      /** Wall-clock start of the first period, `YYYY-MM-DD HH:MM:SS` in timeZone. */
      readonly startTime: string;
      readonly timeZone: string;
    };

export type BudgetingMethod = 'Occurrences' | 'Timeslices';

export interface NotificationTarget {
  readonly name: string;
  /** http(s) URL the webhook is POSTed to. */
  readonly url: string;
}

export interface BurnRateCondition {
  readonly name: string;
  readonly severity: string;
  readonly op: ComparisonOp;
  /** Burn rate (multiples of the rate that spends the budget exactly over the SLO window). */
  readonly threshold: number;
  readonly lookbackSeconds: number;
  readonly alertAfterSeconds: number;
}

export interface AlertPolicy {
  readonly name: string;
  readonly alertWhenBreaching: boolean;
  readonly alertWhenResolved: boolean;
  readonly condition: BurnRateCondition;
  readonly targets: readonly NotificationTarget[];
}

export interface SloDefinition {
  readonly name: string;
  readonly displayName?: string | undefined;
  readonly description?: string | undefined;
  readonly service: string;
  readonly indicator: Indicator;
  readonly budgetingMethod: BudgetingMethod;
  /** Share of good events (Occurrences) or good slices (Timeslices), in [0, 1). */
  readonly target: number;
  /** Timeslices: a ratio indicator's slice is good when its ratio reaches this. */
  readonly timeSliceTarget?: number | undefined;
  /** Slice length: 60 for Occurrences, the objective's timeSliceWindow for Timeslices. */
  readonly sliceSeconds: number;
  readonly timeWindow: TimeWindow;
  readonly alertPolicies: readonly AlertPolicy[];
}
