// A service's blocked time per (syscall, wait class) from the per-minute
// rollup, over chosen stretches of time. Shared by SLO reports (the bad
// periods) and diagnose (the last window).
import { RUN_QUEUE_PSEUDO_SYSCALL } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import { inRangesCondition, type TimeRange } from './time-ranges.js';

export interface SyscallWait {
  readonly syscall: string;
  readonly waitClass: string;
  readonly calls: number;
  readonly blockedSeconds: number;
  readonly maxMs: number;
}

const NS_PER_SECOND = 1e9;
const NS_PER_MS = 1e6;

export function syscallWaitsSql(service: string, ranges: readonly TimeRange[]) {
  const { condition, params } = inRangesCondition('Minute', ranges);
  const query = `
    SELECT Syscall AS syscall, WaitClass AS waitClass, sum(Calls) AS calls, sum(BlockedNs) AS blockedNs, max(MaxNs) AS maxNs
    FROM kernel_syscall_minutely
    WHERE ServiceName = {service:String} AND ${condition}
    GROUP BY syscall, waitClass
    ORDER BY blockedNs DESC, syscall, waitClass`;
  return { query, params: { ...params, service } };
}

/** Every (syscall, wait class) of the service in the ranges, most blocked first; run-queue time as `[run-queue]`. */
export async function querySyscallWaits(client: Store['client'], service: string, ranges: readonly TimeRange[]): Promise<SyscallWait[]> {
  if (ranges.length === 0) return [];
  const { query, params } = syscallWaitsSql(service, ranges);
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  const rows = await result.json<{ syscall: string; waitClass: string; calls: string; blockedNs: number; maxNs: number }>();
  return rows.map((row) => ({
    syscall: row.syscall,
    waitClass: row.waitClass,
    calls: Number(row.calls),
    blockedSeconds: row.blockedNs / NS_PER_SECOND,
    maxMs: row.maxNs / NS_PER_MS,
  }));
}

export interface WaitClassTotal {
  readonly waitClass: string;
  readonly blockedSeconds: number;
  /** The class's syscalls, most blocked first (at most three). */
  readonly topSyscalls: { readonly syscall: string; readonly blockedSeconds: number }[];
}

const TOP_SYSCALLS_PER_CLASS = 3;

/** Blocked time per wait class, most first, each with the syscalls that make it up. */
export function waitsByClass(waits: readonly SyscallWait[]): WaitClassTotal[] {
  const byClass = new Map<string, SyscallWait[]>();
  for (const wait of waits) byClass.set(wait.waitClass, [...(byClass.get(wait.waitClass) ?? []), wait]);
  return [...byClass.entries()]
    .map(([waitClass, members]) => ({
      waitClass,
      blockedSeconds: members.reduce((sum, member) => sum + member.blockedSeconds, 0),
      topSyscalls: members.slice(0, TOP_SYSCALLS_PER_CLASS).map(({ syscall, blockedSeconds }) => ({ syscall, blockedSeconds })),
    }))
    .sort((a, b) => b.blockedSeconds - a.blockedSeconds || a.waitClass.localeCompare(b.waitClass));
}

/** Whether a row is a syscall rather than the scheduler's run-queue time. */
export function isSyscall(wait: SyscallWait): boolean {
  return wait.syscall !== RUN_QUEUE_PSEUDO_SYSCALL;
}
