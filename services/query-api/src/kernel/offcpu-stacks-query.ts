// Off-CPU folded stacks of a service (otel_logs records the agent exports,
// one per stack and interval), summed over chosen stretches of time.
import { LogAttr, OFFCPU_STACK_EVENT } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import { inRangesCondition, type TimeRange } from './time-ranges.js';

export interface OffCpuStack {
  /** Folded stack, root first, frames joined by `;`. */
  readonly stack: string;
  readonly threadState: string;
  readonly offCpuSeconds: number;
}

const NS_PER_SECOND = 1e9;

export function offCpuStacksSql(service: string, ranges: readonly TimeRange[], limit: number) {
  const { condition, params } = inRangesCondition('Timestamp', ranges);
  const query = `
    SELECT Body AS stack, LogAttributes[{stateKey:String}] AS threadState,
      sum(toFloat64OrZero(LogAttributes[{offCpuKey:String}])) AS offCpuNs
    FROM otel_logs
    WHERE ServiceName = {service:String} AND EventName = {eventName:String} AND ${condition}
    GROUP BY stack, threadState
    ORDER BY offCpuNs DESC, stack
    LIMIT {limit:UInt32}`;
  return {
    query,
    params: { ...params, service, eventName: OFFCPU_STACK_EVENT, stateKey: LogAttr.threadState, offCpuKey: LogAttr.offCpuNs, limit },
  };
}

/** The service's stacks with the most off-CPU time in the ranges. */
export async function queryOffCpuStacks(
  client: Store['client'],
  service: string,
  ranges: readonly TimeRange[],
  limit: number,
): Promise<OffCpuStack[]> {
  if (ranges.length === 0) return [];
  const { query, params } = offCpuStacksSql(service, ranges, limit);
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const rows = await result.json<{ stack: string; threadState: string; offCpuNs: number }>();
  return rows.map((row) => ({ stack: row.stack, threadState: row.threadState, offCpuSeconds: row.offCpuNs / NS_PER_SECOND }));
}
