import type { TimeWindow } from './slo-definition.js';

/** The stretch of time an SLO's error budget covers, in unix seconds, end exclusive. */
export interface BudgetPeriod {
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** Unix ms of the wall-clock reading (as if it were UTC) that timeZone shows at instantMs. */
function wallClockMs(instantMs: number, timeZone: string): number {
  let format = wallClockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormats.set(timeZone, format);
  }
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(format.formatToParts(instantMs).find((part) => part.type === type)?.value);
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
}

/** The instant at which timeZone's clock reads wallMs (the first such, across a DST change). */
function instantOfWallClock(wallMs: number, timeZone: string): number {
  const firstGuess = wallMs - (wallClockMs(wallMs, timeZone) - wallMs);
  return wallMs - (wallClockMs(firstGuess, timeZone) - firstGuess);
}

/** Wall-clock start of the n-th period: periods follow the calendar (a month is a month) in the SLO's zone. */
function periodStartWall(startWall: Date, window: TimeWindow & { kind: 'calendar' }, n: number): number {
  const { duration } = window;
  if (duration.kind === 'fixed') return startWall.getTime() + n * duration.seconds * 1000;
  return Date.UTC(
    startWall.getUTCFullYear(),
    startWall.getUTCMonth() + n * duration.months,
    startWall.getUTCDate(),
    startWall.getUTCHours(),
    startWall.getUTCMinutes(),
    startWall.getUTCSeconds(),
  );
}

/**
 * The budget period that holds nowSeconds: the last `duration` for a rolling
 * window; for a calendar window, the period (counted from startTime in its
 * time zone) now falls in, up to now.
 */
export function budgetPeriodAt(window: TimeWindow, nowSeconds: number): BudgetPeriod {
  if (window.kind === 'rolling') {
    const seconds = window.duration.kind === 'fixed' ? window.duration.seconds : window.duration.months * 30 * 86_400;
    return { fromSeconds: nowSeconds - seconds, toSeconds: nowSeconds };
  }
  const startWall = new Date(`${window.startTime.replace(' ', 'T')}Z`);
  const nowWall = wallClockMs(nowSeconds * 1000, window.timeZone);
  if (nowWall < startWall.getTime()) return { fromSeconds: nowSeconds, toSeconds: nowSeconds };
  // A first guess from the average period length, then corrected by stepping.
  const averageMs = window.duration.kind === 'fixed' ? window.duration.seconds * 1000 : window.duration.months * 30.436875 * 86_400_000;
  let n = Math.floor((nowWall - startWall.getTime()) / averageMs);
  while (n > 0 && periodStartWall(startWall, window, n) > nowWall) n -= 1;
  while (periodStartWall(startWall, window, n + 1) <= nowWall) n += 1;
  const fromMs = instantOfWallClock(periodStartWall(startWall, window, n), window.timeZone);
  return { fromSeconds: Math.floor(fromMs / 1000), toSeconds: nowSeconds };
}
