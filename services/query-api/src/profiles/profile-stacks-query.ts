// A service's stacks of one profile type over a time range, summed: CPU
// stacks (samples and CPU time), off-CPU stacks (off-CPU time and sleeps) or
// Go goroutine waits (time parked and parks, each stack under a root frame
// naming its wait reason), from the otel_logs records the agent exports, one
// per stack and interval.
import { CPU_STACK_EVENT, CpuStackLogAttr, GO_PARK_STACK_EVENT, GoParkLogAttr, LogAttr, OFFCPU_STACK_EVENT, ResourceAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { QueryApiConfig } from '../config.js';
import { queryRows, type BoundQuery } from '../store/run-query.js';

export const PROFILE_TYPES = ['cpu', 'offcpu', 'goroutine-wait'] as const;
export type ProfileType = (typeof PROFILE_TYPES)[number];

export interface ProfileStack {
  /** Root first, frames joined by ';'. */
  readonly frames: string[];
  /** cpu: CPU time; offcpu: off-CPU time; goroutine-wait: time parked. */
  readonly nanoseconds: number;
  /** cpu: samples; offcpu: sleeps; goroutine-wait: parks (both estimated from sampled ones). */
  readonly count: number;
}

export interface ProfileFilter {
  service: string;
  host?: string | undefined;
  fromMs: number;
  toMs: number;
}

const SOURCES: Record<ProfileType, { event: string; nanosecondsKey: string; countKey: string; rootKey?: string }> = {
  cpu: { event: CPU_STACK_EVENT, nanosecondsKey: CpuStackLogAttr.cpuNs, countKey: CpuStackLogAttr.samples },
  offcpu: { event: OFFCPU_STACK_EVENT, nanosecondsKey: LogAttr.offCpuNs, countKey: LogAttr.sleeps },
  'goroutine-wait': { event: GO_PARK_STACK_EVENT, nanosecondsKey: GoParkLogAttr.parkedNs, countKey: GoParkLogAttr.parks, rootKey: GoParkLogAttr.waitReason },
};

export function profileStacksSql(type: ProfileType, filter: ProfileFilter): BoundQuery {
  const source = SOURCES[type];
  const hostCondition = filter.host === undefined ? '' : 'AND ResourceAttributes[{hostKey:String}] = {host:String}';
  const query = `
    SELECT ${source.rootKey === undefined ? 'Body' : "concat('[', LogAttributes[{rootKey:String}], '];', Body)"} AS stack,
      sum(toUInt64OrZero(LogAttributes[{nanosecondsKey:String}])) AS nanoseconds,
      sum(toUInt64OrZero(LogAttributes[{countKey:String}])) AS count
    FROM otel_logs
    WHERE ServiceName = {service:String} AND EventName = {event:String}
      AND Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64}) AND Timestamp < fromUnixTimestamp64Milli({toMs:Int64})
      ${hostCondition}
    GROUP BY stack
    ORDER BY nanoseconds DESC, stack`;
  const params: BoundQuery['params'] = {
    service: filter.service,
    event: source.event,
    nanosecondsKey: source.nanosecondsKey,
    countKey: source.countKey,
    fromMs: filter.fromMs,
    toMs: filter.toMs,
  };
  if (source.rootKey !== undefined) params.rootKey = source.rootKey;
  if (filter.host !== undefined) Object.assign(params, { hostKey: ResourceAttr.hostName, host: filter.host });
  return { query, params };
}

/** Every stack of the service in the range, heaviest first; more than the row limit is QUERY_TOO_LARGE. */
export async function queryProfileStacks(
  client: Store['client'],
  type: ProfileType,
  filter: ProfileFilter,
  limits: QueryApiConfig,
): Promise<ProfileStack[]> {
  const rows = await queryRows<{ stack: string; nanoseconds: string; count: string }>(client, profileStacksSql(type, filter), limits);
  return rows.map((row) => ({ frames: row.stack.split(';'), nanoseconds: Number(row.nanoseconds), count: Number(row.count) }));
}
