import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as GitHub signs its webhooks. */
export const SIGNATURE_HEADER = 'x-stallscope-signature';
/** One id per alert state change, the same on every retry: receivers can drop repeats. */
export const DELIVERY_ID_HEADER = 'x-stallscope-delivery';

export interface WebhookDeliveryConfig {
  /** Key of the HMAC-SHA256 signature over each body. */
  secret: string;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubled each time up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Wait before attempt n (n >= 2): capped exponential backoff. */
export function backoffMs(attempt: number, config: Pick<WebhookDeliveryConfig, 'initialBackoffMs' | 'maxBackoffMs'>): number {
  return Math.min(config.maxBackoffMs, config.initialBackoffMs * 2 ** (attempt - 2));
}

export interface DeliveryOutcome {
  delivered: boolean;
  attempts: number;
  /** The last answer's HTTP status, or the last network error. */
  lastStatus?: number;
  lastError?: string;
}

/** A status worth another attempt: the receiver may recover (5xx) or asked us to slow down (429, 408). */
function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * POSTs the JSON body, signed, until a 2xx answer, a status that will not
 * change on retry (other 4xx), maxAttempts, or `signal` (stop) aborts.
 */
export async function deliverWebhook(
  url: string,
  body: string,
  deliveryId: string,
  config: WebhookDeliveryConfig,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  const headers = {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: signatureOf(body, config.secret),
    [DELIVERY_ID_HEADER]: deliveryId,
  };
  const outcome: DeliveryOutcome = { delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= config.maxAttempts && !signal.aborted; attempt += 1) {
    if (attempt > 1) {
      try {
        await sleep(backoffMs(attempt, config), undefined, { signal });
      } catch {
        break;
      }
    }
    outcome.attempts = attempt;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]),
      });
      await response.body?.cancel();
      outcome.lastStatus = response.status;
      delete outcome.lastError;
      if (response.ok) return { ...outcome, delivered: true };
      if (!retryable(response.status)) return outcome;
    } catch (error) {
      outcome.lastError = (error as Error).message;
    }
  }
  return outcome;
}
