import { Type } from '@sinclair/typebox';
import type { QueryApiConfig } from '../../config.js';
import { Step, stepSeconds } from '../../schemas/step.js';
import { Window, windowSeconds } from '../../schemas/window.js';
import { rollupForWindow, type Rollup } from '../../store/rollup.js';
import { filtersByHost, syscallFilterProperties, type SyscallFilter } from './filters.js';

/** The query string of the routes over time (series, heatmap). */
export const OverTimeQuery = Type.Object(
  { window: Window, step: Step, ...syscallFilterProperties },
  { additionalProperties: false },
);

/** The filter, step and rollup of a request over time; a 400 when the step does not fit the window. */
export function overTimeRequest(
  query: { window: string; step: string } & Omit<SyscallFilter, 'windowSeconds'>,
  limits: QueryApiConfig,
): { filter: SyscallFilter; stepSeconds: number; rollup: Rollup } {
  const { window, step, ...filters } = query;
  const seconds = windowSeconds(window);
  const filter = { ...filters, windowSeconds: seconds };
  const rollup = rollupForWindow(seconds, filtersByHost(filter));
  return { filter, stepSeconds: stepSeconds(step, seconds, rollup, limits.maxSteps), rollup };
}

