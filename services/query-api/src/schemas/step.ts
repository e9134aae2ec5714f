import { Type } from '@sinclair/typebox';
import { ApiError, ApiErrors } from '../errors.js';
import type { Rollup } from '../store/rollup.js';
import { secondsOf } from './window.js';

/** The width of one point of a series or one column of a heatmap: 1m, 5m, 1h, 1d... */
export const Step = Type.String({ pattern: '^\\d+(m|h|d)$', maxLength: 16, default: '5m' });

/**
 * The step in seconds: a whole number of the rollup's resolution, and at most
 * maxSteps of them in the window; otherwise a 400 saying what to change.
 */
export function stepSeconds(step: string, windowSeconds: number, rollup: Rollup, maxSteps: number): number {
  const seconds = secondsOf(step);
  if (seconds === 0 || seconds % rollup.resolutionSeconds !== 0) {
    throw new ApiError(
      ApiErrors.invalidParameter,
      `step must be a whole number of ${rollup.resolutionSeconds / 60} minute(s) for this window (it reads the ${rollup.name} rollup), got ${step}`,
    );
  }
  const steps = Math.ceil(windowSeconds / seconds);
  if (steps > maxSteps) {
    throw new ApiError(ApiErrors.queryTooLarge, `window / step is ${steps} steps, more than ${maxSteps}: widen the step or shorten the window`);
  }
  return seconds;
}
