import { createHash } from 'node:crypto';
import { withLifecycle, type Component, type Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { burnRateOf, countsBetween, type SliceCounts } from './slice-counts.js';
import type { AlertPolicy, SloDefinition } from './slo-definition.js';
import type { SloCatalog } from './slo-catalog.js';
import type { SloConfig } from './slo-evaluator-config.js';
import { evaluateSlo } from './slo-status.js';
import { meets } from './sources/slice-range.js';
import { deliverWebhook } from './webhook-delivery.js';

export type AlertState = 'firing' | 'resolved';

/** The JSON body of a burn-alert webhook. */
export interface BurnAlertNotification {
  slo: string;
  service: string;
  alertPolicy: string;
  condition: string;
  severity: string;
  state: AlertState;
  /** When the state changed (this evaluation), ISO 8601. */
  changedAt: string;
  op: string;
  threshold: number;
  lookbackWindowSeconds: number;
  longBurnRate: number | null;
  shortBurnRate: number | null;
  report: string;
}

export interface SloEvaluatorDeps {
  store: Store;
  catalog: SloCatalog;
  logger: Logger;
  /** Unix ms; the wall clock when absent (tests move it). */
  now?: () => number;
}

export interface SloEvaluator extends Component {
  /** One evaluation of every SLO's alert policies, deliveries included; what start runs each interval. */
  evaluateOnce(): Promise<void>;
}

/** The workbook's short window: 1/12 of the long one (5m for 1h, 30m for 6h, 6h for 3d). */
const SHORT_WINDOW_DIVISOR = 12;

interface PolicyState {
  state: AlertState;
  /** When the condition started to hold, unix seconds; undefined while it does not. */
  breachingSince?: number;
}

function burnRatesOf(slices: readonly SliceCounts[], slo: SloDefinition, policy: AlertPolicy, nowSeconds: number) {
  const { lookbackSeconds } = policy.condition;
  const over = (seconds: number) => burnRateOf(countsBetween(slices, nowSeconds - seconds, nowSeconds), slo.target);
  return { longBurnRate: over(lookbackSeconds), shortBurnRate: over(Math.round(lookbackSeconds / SHORT_WINDOW_DIVISOR)) };
}

/**
 * Evaluates the burn-rate conditions of every SLO's alert policies each
 * interval and POSTs a signed webhook to the policy's targets when an alert
 * changes state (firing, or resolved when the policy asks for it); an
 * unchanged state sends nothing. States live in this process: a restart
 * starts from resolved, so an alert still firing is sent once more.
 */
export function createSloEvaluator(config: SloConfig, deps: SloEvaluatorDeps): SloEvaluator {
  const logger = deps.logger.child({ component: 'slo-evaluator' });
  const now = deps.now ?? Date.now;
  const states = new Map<string, PolicyState>();
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function notify(policy: AlertPolicy, notification: BurnAlertNotification): Promise<void> {
    if (config.webhook.secret === '') {
      logger.error({ slo: notification.slo, alertPolicy: policy.name }, 'burn alert changed state but slo.webhook.secret is empty; not sent');
      return;
    }
    const body = JSON.stringify(notification);
    await Promise.all(
      policy.targets.map(async (target) => {
        const deliveryId = createHash('sha256').update(`${notification.slo}\0${policy.name}\0${target.name}\0${notification.state}\0${notification.changedAt}`).digest('hex').slice(0, 32);
        const outcome = await deliverWebhook(target.url, body, deliveryId, config.webhook, stopping.signal);
        const context = { slo: notification.slo, alertPolicy: policy.name, target: target.name, state: notification.state, ...outcome };
        if (outcome.delivered) logger.info(context, 'burn alert delivered');
        else logger.error(context, 'burn alert not delivered');
      }),
    );
  }

  async function evaluateSloPolicies(slo: SloDefinition, nowSeconds: number): Promise<void> {
    const { slices } = await evaluateSlo(deps.store.client, slo, nowSeconds);
    for (const policy of slo.alertPolicies) {
      const key = `${slo.name}\0${policy.name}`;
      const previous = states.get(key) ?? { state: 'resolved' };
      const { condition } = policy;
      const burnRates = burnRatesOf(slices, slo, policy, nowSeconds);
      const breaching =
        burnRates.longBurnRate !== null &&
        burnRates.shortBurnRate !== null &&
        meets(burnRates.longBurnRate, condition.op, condition.threshold) &&
        meets(burnRates.shortBurnRate, condition.op, condition.threshold);
      const breachingSince = breaching ? (previous.breachingSince ?? nowSeconds) : undefined;
      const state: AlertState = breachingSince !== undefined && nowSeconds - breachingSince >= condition.alertAfterSeconds ? 'firing' : 'resolved';
      states.set(key, { state, ...(breachingSince !== undefined ? { breachingSince } : {}) });
      if (state === previous.state) continue;
      if (state === 'firing' ? !policy.alertWhenBreaching : !policy.alertWhenResolved) continue;
      await notify(policy, {
        slo: slo.name,
        service: slo.service,
        alertPolicy: policy.name,
        condition: condition.name,
        severity: condition.severity,
        state,
        changedAt: new Date(nowSeconds * 1000).toISOString(),
        op: condition.op,
        threshold: condition.threshold,
        lookbackWindowSeconds: condition.lookbackSeconds,
        ...burnRates,
        report: `/v1/slos/${encodeURIComponent(slo.name)}/report`,
      });
    }
  }

  async function evaluateOnce(): Promise<void> {
    const nowSeconds = Math.floor(now() / 60_000) * 60;
    const entries = await deps.catalog.list();
    for (const { definition } of entries) {
      if (definition.alertPolicies.length === 0) continue;
      try {
        await evaluateSloPolicies(definition, nowSeconds);
      } catch (error) {
        logger.error({ err: error, slo: definition.name }, 'SLO evaluation failed');
      }
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      running = evaluateOnce()
        .catch((error: unknown) => logger.error({ err: error }, 'SLO evaluation failed'))
        .finally(() => {
          running = undefined;
          if (!stopping.signal.aborted) schedule();
        });
    }, config.evaluationIntervalMs);
  }

  const lifecycle = withLifecycle({
    async start() {
      schedule();
    },
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  });
  return { ...lifecycle, evaluateOnce };
}
