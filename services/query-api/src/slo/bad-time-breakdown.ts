// Where the bad time of an SLO went in the kernel: the service's syscalls,
// wait classes and off-CPU stacks during the slices that failed it.
import type { Store } from '@stallscope/store';
import { queryOffCpuStacks, type OffCpuStack } from '../kernel/offcpu-stacks-query.js';
import { mergeRanges, type TimeRange } from '../kernel/time-ranges.js';
import { querySyscallWaits, waitsByClass, type SyscallWait, type WaitClassTotal } from '../kernel/waits-query.js';
import { errorBudgetShare, type SliceCounts } from './slice-counts.js';
import type { SloDefinition } from './slo-definition.js';

/** Bad slices are looked for this far back. */
export const BREAKDOWN_LOOKBACK = { window: '7d', seconds: 604_800 } as const;
/** The most recent bad periods read; older ones are left out (the query binds each as a parameter). */
const MAX_BAD_PERIODS = 500;
const TOP_SYSCALLS = 10;
const TOP_STACKS = 5;
const IDLE = 'idle';

export interface BadTimeBreakdown {
  readonly lookback: string;
  readonly badPeriods: number;
  readonly badSeconds: number;
  /** Non-idle waits of the service during the bad periods, most blocked first. */
  readonly syscalls: SyscallWait[];
  readonly waitClasses: WaitClassTotal[];
  readonly offCpuStacks: OffCpuStack[];
}

/**
 * A slice is bad when it failed (Timeslices), or when its own bad share
 * exceeds the budget's (Occurrences): on its own it burned faster than 1x.
 */
function isBad(slice: SliceCounts, slo: SloDefinition): boolean {
  if (slo.budgetingMethod === 'Timeslices') return slice.good < slice.total;
  return slice.total > 0 && (slice.total - slice.good) / slice.total > errorBudgetShare(slo.target);
}

export function badPeriods(slices: readonly SliceCounts[], slo: SloDefinition, nowSeconds: number): TimeRange[] {
  const since = nowSeconds - BREAKDOWN_LOOKBACK.seconds;
  const bad = slices
    .filter((slice) => slice.startSeconds >= since && isBad(slice, slo))
    .map((slice) => ({ fromSeconds: slice.startSeconds, toSeconds: slice.startSeconds + slo.sliceSeconds }));
  return mergeRanges(bad).slice(-MAX_BAD_PERIODS);
}

export async function badTimeBreakdown(
  client: Store['client'],
  slo: SloDefinition,
  slices: readonly SliceCounts[],
  nowSeconds: number,
): Promise<BadTimeBreakdown> {
  const periods = badPeriods(slices, slo, nowSeconds);
  const [waits, offCpuStacks] = await Promise.all([
    querySyscallWaits(client, slo.service, periods),
    queryOffCpuStacks(client, slo.service, periods, TOP_STACKS),
  ]);
  const nonIdle = waits.filter((wait) => wait.waitClass !== IDLE);
  return {
    lookback: BREAKDOWN_LOOKBACK.window,
    badPeriods: periods.length,
    badSeconds: periods.reduce((sum, period) => sum + period.toSeconds - period.fromSeconds, 0),
    syscalls: nonIdle.slice(0, TOP_SYSCALLS),
    waitClasses: waitsByClass(nonIdle),
    offCpuStacks,
  };
}
