/**
 * OpenSLO's duration shorthand: an integer (0 only where a field allows it,
 * as alertAfter's default 0m) and one of m, h, d, w
 * (fixed lengths) or M, Q, Y (calendar lengths). Fixed units have seconds;
 * calendar units count months, because a month has no fixed length.
 */
export type DurationShorthand =
  | { readonly kind: 'fixed'; readonly seconds: number; readonly text: string }
  | { readonly kind: 'calendar'; readonly months: number; readonly text: string };

const SECONDS_PER_UNIT = { m: 60, h: 3_600, d: 86_400, w: 604_800 } as const;
const MONTHS_PER_UNIT = { M: 1, Q: 3, Y: 12 } as const;
const SHORTHAND = /^(0|[1-9]\d{0,5})([mhdwMQY])$/;

/** The parsed shorthand, or undefined when the text is not one. */
export function parseDurationShorthand(text: string): DurationShorthand | undefined {
  const match = SHORTHAND.exec(text);
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = match[2] as keyof typeof SECONDS_PER_UNIT | keyof typeof MONTHS_PER_UNIT;
  if (unit in SECONDS_PER_UNIT) return { kind: 'fixed', seconds: count * SECONDS_PER_UNIT[unit as keyof typeof SECONDS_PER_UNIT], text };
  return { kind: 'calendar', months: count * MONTHS_PER_UNIT[unit as keyof typeof MONTHS_PER_UNIT], text };
}

/** Seconds of a shorthand, months counted as 30 days (for look-back sizes, not calendar periods). */
export function approximateSeconds(duration: DurationShorthand): number {
  return duration.kind === 'fixed' ? duration.seconds : duration.months * 30 * 86_400;
}
