// A Go service's runtime from the goruntime signal: GC pauses and cycles,
// goroutine creation (with the alarm on its rate), live goroutines, and where
// goroutines waited, by the runtime's wait reason and park stack.
import { GO_GC_STW_REASONS, GO_IDLE_WAIT_REASONS, GO_PARK_STACK_EVENT, GoParkLogAttr, MetricAttr, Metrics } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { TimeRange } from '../kernel/time-ranges.js';

/**
 * Goroutines created faster than this per second are alarm-worthy: a service
 * starting a goroutine per unit of work under load, or leaking them.
 */
export const GOROUTINE_CREATION_ALARM_PER_SECOND = 500;

export interface GoWaitReason {
  readonly waitReason: string;
  readonly blockedSeconds: number;
  readonly parks: number;
}

export interface GoParkStack {
  /** Folded goroutine stack at the park, root first. */
  readonly stack: string;
  readonly waitReason: string;
  readonly parkedSeconds: number;
}

export interface GoRuntimeDiagnosis {
  readonly gcPauses: number;
  readonly gcPauseSeconds: number;
  readonly gcPauseMaxMs: number;
  readonly gcCycles: number;
  readonly goroutinesCreated: number;
  readonly goroutinesCreatedPerSecond: number;
  /** The creation rate is over GOROUTINE_CREATION_ALARM_PER_SECOND. */
  readonly goroutineCreationAlarm: boolean;
  /** Live goroutines at the latest report of each host, summed. */
  readonly liveGoroutines: number;
  /** The service's own waits, most blocked first (the runtime's background goroutines left out). */
  readonly topWaitReasons: GoWaitReason[];
  readonly parkStacks: GoParkStack[];
}

const NS_PER_SECOND = 1e9;

function rangeParams(service: string, range: TimeRange) {
  return { service, fromSeconds: range.fromSeconds, toSeconds: range.toSeconds };
}
const IN_RANGE = 'TimeUnix >= toDateTime64({fromSeconds:UInt32}, 9) AND TimeUnix < toDateTime64({toSeconds:UInt32}, 9)';

export function goRuntimeSql(service: string, range: TimeRange, limit: number) {
  const params = {
    ...rangeParams(service, range),
    limit,
    stwMetric: Metrics.goStwDuration.name,
    waitMetric: Metrics.goGoroutineWaitDuration.name,
    cyclesMetric: Metrics.goGcCycles.name,
    createdMetric: Metrics.goGoroutinesCreated.name,
    liveMetric: Metrics.goGoroutineCount.name,
    stwReasonKey: MetricAttr.goStwReason,
    waitReasonKey: MetricAttr.goWaitReason,
    gcReasons: [...GO_GC_STW_REASONS],
    idleReasons: [...GO_IDLE_WAIT_REASONS],
    eventName: GO_PARK_STACK_EVENT,
    logWaitReasonKey: GoParkLogAttr.waitReason,
    parkedKey: GoParkLogAttr.parkedNs,
  };
  return {
    params,
    pauses: `
      SELECT sum(Count) AS pauses, sum(Sum) AS pauseNs, max(Max) AS maxNs
      FROM otel_metrics_exponential_histogram
      WHERE ServiceName = {service:String} AND MetricName = {stwMetric:String} AND ${IN_RANGE}
        AND Attributes[{stwReasonKey:String}] IN {gcReasons:Array(String)}`,
    counts: `
      SELECT MetricName AS metric, sum(Value) AS value
      FROM otel_metrics_sum
      WHERE ServiceName = {service:String} AND MetricName IN ({cyclesMetric:String}, {createdMetric:String}) AND ${IN_RANGE}
      GROUP BY metric`,
    live: `
      SELECT sum(latest) AS live FROM (
        SELECT ResourceAttributes['host.name'] AS host, argMax(Value, TimeUnix) AS latest
        FROM otel_metrics_gauge
        WHERE ServiceName = {service:String} AND MetricName = {liveMetric:String} AND ${IN_RANGE}
        GROUP BY host)`,
    waits: `
      SELECT Attributes[{waitReasonKey:String}] AS waitReason, sum(Sum) AS blockedNs, sum(Count) AS parks
      FROM otel_metrics_exponential_histogram
      WHERE ServiceName = {service:String} AND MetricName = {waitMetric:String} AND ${IN_RANGE}
        AND waitReason NOT IN {idleReasons:Array(String)}
      GROUP BY waitReason
      ORDER BY blockedNs DESC, waitReason
      LIMIT {limit:UInt32}`,
    stacks: `
      SELECT Body AS stack, LogAttributes[{logWaitReasonKey:String}] AS waitReason,
        sum(toFloat64OrZero(LogAttributes[{parkedKey:String}])) AS parkedNs
      FROM otel_logs
      WHERE ServiceName = {service:String} AND EventName = {eventName:String}
        AND Timestamp >= toDateTime64({fromSeconds:UInt32}, 9) AND Timestamp < toDateTime64({toSeconds:UInt32}, 9)
        AND waitReason NOT IN {idleReasons:Array(String)}
      GROUP BY stack, waitReason
      ORDER BY parkedNs DESC, stack
      LIMIT {limit:UInt32}`,
  };
}

export async function queryGoRuntime(client: Store['client'], service: string, range: TimeRange, limit: number): Promise<GoRuntimeDiagnosis> {
  const sql = goRuntimeSql(service, range, limit);
  const rows = async <T>(query: string): Promise<T[]> =>
    (await client.query({ query, query_params: sql.params, format: 'JSONEachRow' })).json<T>();
  const [pauses, counts, live, waits, stacks] = await Promise.all([
    rows<{ pauses: number | string; pauseNs: number; maxNs: number }>(sql.pauses),
    rows<{ metric: string; value: number }>(sql.counts),
    rows<{ live: number }>(sql.live),
    rows<{ waitReason: string; blockedNs: number; parks: number | string }>(sql.waits),
    rows<{ stack: string; waitReason: string; parkedNs: number }>(sql.stacks),
  ]);
  const countOf = (metric: string) => counts.find((row) => row.metric === metric)?.value ?? 0;
  const created = countOf(Metrics.goGoroutinesCreated.name);
  const createdPerSecond = created / (range.toSeconds - range.fromSeconds);
  const pause = pauses[0];
  return {
    gcPauses: Number(pause?.pauses ?? 0),
    gcPauseSeconds: (pause?.pauseNs ?? 0) / NS_PER_SECOND,
    gcPauseMaxMs: (pause?.maxNs ?? 0) / 1e6,
    gcCycles: countOf(Metrics.goGcCycles.name),
    goroutinesCreated: created,
    goroutinesCreatedPerSecond: createdPerSecond,
    goroutineCreationAlarm: createdPerSecond > GOROUTINE_CREATION_ALARM_PER_SECOND,
    liveGoroutines: live[0]?.live ?? 0,
    topWaitReasons: waits.map((row) => ({ waitReason: row.waitReason, blockedSeconds: row.blockedNs / NS_PER_SECOND, parks: Number(row.parks) })),
    parkStacks: stacks.map((row) => ({ stack: row.stack, waitReason: row.waitReason, parkedSeconds: row.parkedNs / NS_PER_SECOND })),
  };
}
