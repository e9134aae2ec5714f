import { createHash } from 'node:crypto';
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { withLifecycle, type Component, type Logger } from '@stallscope/common';
import { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr, SloEvaluateOutcome } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import { tracedStore } from '../store-tracing.js';
import { burnRateOf, countsBetween, type SliceCounts } from './slice-counts.js';
import type { AlertPolicy, SloDefinition } from './slo-definition.js';
import type { SloCatalog, SloEntry } from './slo-catalog.js';
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

/** A no-op until the launcher starts the OpenTelemetry SDK (self-tracing). */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

/** The workbook's short window: 1/12 of the long one (5m for 1h, 30m for 6h, 6h for 3d). */
const SHORT_WINDOW_DIVISOR = 12;

/** What one SLO's evaluation left: its policies firing, and how many changed state. */
interface PolicyCounts {
  firing: number;
  changed: number;
}

interface PolicyState {
  state: AlertState;
  /** When the condition started to hold, unix seconds; undefined while it does not. */
  breachingSince?: number;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  // Its queries are then children of the round's span.
  const store = tracedStore(deps.store);
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

  async function evaluateSloPolicies(slo: SloDefinition, nowSeconds: number): Promise<PolicyCounts> {
    const { slices } = await evaluateSlo(store.client, slo, nowSeconds);
    const counts = { firing: 0, changed: 0 };
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
      if (state === 'firing') counts.firing += 1;
      if (state === previous.state) continue;
      counts.changed += 1;
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
    return counts;
  }

  async function evaluateRound(span: Span): Promise<void> {
    const nowSeconds = Math.floor(now() / 60_000) * 60;
    let entries: SloEntry[];
    try {
      entries = await deps.catalog.list();
    } catch (error) {
      span.setAttribute(SelfSpanAttr.outcome, SloEvaluateOutcome.catalogFailed);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    }
    const round = { evaluated: 0, failed: 0, firing: 0, changed: 0 };
    let firstError: unknown;
    for (const { definition } of entries) {
      if (definition.alertPolicies.length === 0) continue;
      round.evaluated += 1;
      try {
        const counts = await evaluateSloPolicies(definition, nowSeconds);
        round.firing += counts.firing;
        round.changed += counts.changed;
      } catch (error) {
        round.failed += 1;
        firstError ??= error;
        logger.error({ err: error, slo: definition.name }, 'SLO evaluation failed');
      }
    }
    if (!span.isRecording()) return;
    span.setAttributes({
      [SelfSpanAttr.slosEvaluated]: round.evaluated,
      [SelfSpanAttr.slosFailed]: round.failed,
      [SelfSpanAttr.alertsFiring]: round.firing,
      [SelfSpanAttr.alertsChanged]: round.changed,
      [SelfSpanAttr.outcome]: round.failed === 0 ? SloEvaluateOutcome.evaluated : SloEvaluateOutcome.sloFailed,
    });
    if (round.failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${round.failed} of ${round.evaluated} SLOs failed, first: ${errorMessage(firstError)}` });
  }

  function evaluateOnce(): Promise<void> {
    // A root span: rounds run on a timer, outside any request; the round's SQL spans are its children.
    return tracer.startActiveSpan(SelfSpan.sloEvaluate, { root: true }, async (span) => {
      try {
        await evaluateRound(span);
      } finally {
        span.end();
      }
    });
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
