import { StringEnum } from './string-enum.js';

/** Which rollup answered: 1m (per-minute rows) or 1h (per-hour rows, window rounded down to the hour). */
export const RollupName = StringEnum(['1m', '1h'] as const);
