import { Type } from '@sinclair/typebox';
import { ApiError, ApiErrors } from '../errors.js';
import { MAX_WINDOW, secondsOf } from './window.js';

/** A point in time: unix milliseconds, or an ISO 8601 date-time. */
export const TimePoint = Type.String({ minLength: 1, maxLength: 40, description: 'unix milliseconds, or ISO 8601 (2026-11-22T05:00:00Z)' });

const MAX_SPAN_MS = secondsOf(MAX_WINDOW) * 1000;

function millisOf(name: 'from' | 'to', value: string): number {
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ApiError(ApiErrors.invalidParameter, `${name} must be unix milliseconds or an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * The stretch a request asks for, in unix ms [from, to): `from` (and `to`,
 * default now) or a look-back `window` (default 15m) ending now, not both;
 * at most 30 days long.
 */
export function timeBoundsOf(query: { from?: string | undefined; to?: string | undefined; window?: string | undefined }, nowMs: number): { fromMs: number; toMs: number } {
  if (query.window !== undefined && (query.from !== undefined || query.to !== undefined)) {
    throw new ApiError(ApiErrors.invalidParameter, 'give either window or from/to, not both');
  }
  if (query.from === undefined) {
    if (query.to !== undefined) throw new ApiError(ApiErrors.invalidParameter, 'to needs a from');
    const seconds = secondsOf(query.window ?? '15m');
    if (!(seconds > 0 && seconds * 1000 <= MAX_SPAN_MS)) {
      throw new ApiError(ApiErrors.windowOutOfRange, `window must be more than 0 and at most ${MAX_WINDOW}, got ${query.window}`);
    }
    return { fromMs: nowMs - seconds * 1000, toMs: nowMs };
  }
  const fromMs = millisOf('from', query.from);
  const toMs = query.to === undefined ? nowMs : millisOf('to', query.to);
  if (!(toMs > fromMs)) throw new ApiError(ApiErrors.invalidParameter, 'to must be after from');
  if (toMs - fromMs > MAX_SPAN_MS) throw new ApiError(ApiErrors.windowOutOfRange, `from..to must be at most ${MAX_WINDOW}`);
  return { fromMs, toMs };
}
