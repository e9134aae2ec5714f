import { Type } from '@sinclair/typebox';
import { ApiError, ApiErrors } from '../errors.js';

const SECONDS_PER_UNIT = { m: 60, h: 3_600, d: 86_400 } as const;
type WindowUnit = keyof typeof SECONDS_PER_UNIT;

export const MIN_WINDOW = '5m';
export const MAX_WINDOW = '30d';

/** A look-back window such as 15m, 6h or 7d; its range is checked by windowSeconds. */
export const Window = Type.String({ pattern: '^\\d+(m|h|d)$', maxLength: 16, default: '15m' });

/** Seconds of a duration such as 15m, 6h or 7d (already matched by its pattern). */
export function secondsOf(window: string): number {
  const unit = window.at(-1) as WindowUnit;
  return Number(window.slice(0, -1)) * SECONDS_PER_UNIT[unit];
}

const MIN_WINDOW_SECONDS = secondsOf(MIN_WINDOW);
const MAX_WINDOW_SECONDS = secondsOf(MAX_WINDOW);

/** The window in seconds; an ApiError naming `window` when outside 5m..30d. */
export function windowSeconds(window: string): number {
  const seconds = secondsOf(window);
  if (!(seconds >= MIN_WINDOW_SECONDS && seconds <= MAX_WINDOW_SECONDS)) {
    throw new ApiError(ApiErrors.windowOutOfRange, `window must be between ${MIN_WINDOW} and ${MAX_WINDOW}, got ${window}`);
  }
  return seconds;
}
