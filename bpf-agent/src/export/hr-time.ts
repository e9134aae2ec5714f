import type { HrTime } from '@opentelemetry/api';

const NS_PER_SECOND = 1_000_000_000n;

export function hrTimeOfNs(ns: bigint): HrTime {
  return [Number(ns / NS_PER_SECOND), Number(ns % NS_PER_SECOND)];
}
