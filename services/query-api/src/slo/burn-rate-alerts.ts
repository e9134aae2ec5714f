// Multi-window, multi-burn-rate alerts as in the Google SRE workbook
// ("Alerting on SLOs", recommendation for a 30-day SLO): each alert needs its
// long window (does it matter?) and its short window, 1/12 of the long one
// (is it still happening?), both at or above the burn rate.
import { burnRateOf, countsBetween, type SliceCounts } from './slice-counts.js';

export type BurnSeverity = 'page' | 'ticket';
export type BurnState = 'ok' | BurnSeverity | 'no-data';

export interface BurnRateWindowPair {
  readonly severity: BurnSeverity;
  readonly burnRate: number;
  readonly longWindowSeconds: number;
  readonly shortWindowSeconds: number;
}

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;

export const BURN_RATE_WINDOW_PAIRS: readonly BurnRateWindowPair[] = [
  { severity: 'page', burnRate: 14.4, longWindowSeconds: HOUR, shortWindowSeconds: 5 * MINUTE },
  { severity: 'page', burnRate: 6, longWindowSeconds: 6 * HOUR, shortWindowSeconds: 30 * MINUTE },
  { severity: 'ticket', burnRate: 1, longWindowSeconds: 3 * DAY, shortWindowSeconds: 6 * HOUR },
];

/** The longest window the alerts read. */
export const BURN_RATE_LOOKBACK_SECONDS = Math.max(...BURN_RATE_WINDOW_PAIRS.map((pair) => pair.longWindowSeconds));

export interface BurnRateAlert extends BurnRateWindowPair {
  readonly longBurnRate: number | null;
  readonly shortBurnRate: number | null;
  readonly firing: boolean;
}

export interface BurnRateStatus {
  readonly state: BurnState;
  readonly alerts: BurnRateAlert[];
}

/** Burn rates of every window pair ending at nowSeconds, and the state they add up to. */
export function burnRateStatus(slices: readonly SliceCounts[], target: number, nowSeconds: number): BurnRateStatus {
  const burnOver = (seconds: number) => burnRateOf(countsBetween(slices, nowSeconds - seconds, nowSeconds), target);
  const alerts = BURN_RATE_WINDOW_PAIRS.map((pair): BurnRateAlert => {
    const longBurnRate = burnOver(pair.longWindowSeconds);
    const shortBurnRate = burnOver(pair.shortWindowSeconds);
    const firing = longBurnRate !== null && shortBurnRate !== null && longBurnRate >= pair.burnRate && shortBurnRate >= pair.burnRate;
    return { ...pair, longBurnRate, shortBurnRate, firing };
  });
  const state: BurnState = alerts.some((alert) => alert.firing && alert.severity === 'page')
    ? 'page'
    : alerts.some((alert) => alert.firing)
      ? 'ticket'
      : alerts.every((alert) => alert.longBurnRate === null)
        ? 'no-data'
        : 'ok';
  return { state, alerts };
}
