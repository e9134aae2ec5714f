import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetPeriodAt } from './budget-period.js';
import { parseDurationShorthand, type DurationShorthand } from './duration-shorthand.js';

const duration = (text: string): DurationShorthand => parseDurationShorthand(text) ?? assert.fail(text);
const seconds = (iso: string): number => Date.parse(iso) / 1000;

describe('budgetPeriodAt', () => {
  it('is the last `duration` of a rolling window', () => {
    const now = seconds('2026-03-15T10:00:00Z');
    assert.deepEqual(budgetPeriodAt({ kind: 'rolling', duration: duration('28d') }, now), { fromSeconds: now - 28 * 86_400, toSeconds: now });
  });

  it('starts a calendar month at its wall-clock start in the SLO time zone, across DST', () => {
    const window = { kind: 'calendar', duration: duration('1M'), startTime: '2022-01-01 00:00:00', timeZone: 'America/New_York' } as const;
    // New York is on EDT (UTC-4) from 8 March 2026: April starts at 04:00 UTC, March at 05:00 UTC (EST).
    assert.equal(budgetPeriodAt(window, seconds('2026-04-10T12:00:00Z')).fromSeconds, seconds('2026-04-01T04:00:00Z'));
    assert.equal(budgetPeriodAt(window, seconds('2026-03-31T12:00:00Z')).fromSeconds, seconds('2026-03-01T05:00:00Z'));
    // 03:30 UTC on 1 April is still 31 March in New York.
    assert.equal(budgetPeriodAt(window, seconds('2026-04-01T03:30:00Z')).fromSeconds, seconds('2026-03-01T05:00:00Z'));
  });

  it('steps quarters and fixed lengths from the start time', () => {
    const quarter = { kind: 'calendar', duration: duration('1Q'), startTime: '2025-02-01 00:00:00', timeZone: 'UTC' } as const;
    assert.equal(budgetPeriodAt(quarter, seconds('2026-01-15T00:00:00Z')).fromSeconds, seconds('2025-11-01T00:00:00Z'));
    const weeks = { kind: 'calendar', duration: duration('2w'), startTime: '2026-01-05 00:00:00', timeZone: 'UTC' } as const;
    assert.equal(budgetPeriodAt(weeks, seconds('2026-01-20T00:00:00Z')).fromSeconds, seconds('2026-01-19T00:00:00Z'));
  });

  it('is empty before the first period starts', () => {
    const window = { kind: 'calendar', duration: duration('1M'), startTime: '2030-01-01 00:00:00', timeZone: 'UTC' } as const;
    const now = seconds('2026-01-01T00:00:00Z');
    assert.deepEqual(budgetPeriodAt(window, now), { fromSeconds: now, toSeconds: now });
  });
});
