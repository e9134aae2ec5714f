// A service's memory from the memory signal: user page faults (major, minor),
// the RSS of its processes, and its OOM kills with their flight recorders.
import { MetricAttr, Metrics } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { TimeRange } from '../kernel/time-ranges.js';
import { queryOomKills, type OomKill } from '../memory/oom-kills-query.js';
import type { QueryApiConfig } from '../config.js';
import { queryRows } from '../store/run-query.js';

export interface MemoryDiagnosis {
  readonly majorFaults: number;
  readonly minorFaults: number;
  /** The largest RSS its processes summed to on one host, at one reading. */
  readonly peakRssBytes: number;
  readonly oomKills: OomKill[];
}

const IN_RANGE = 'TimeUnix >= toDateTime64({fromSeconds:UInt32}, 9) AND TimeUnix < toDateTime64({toSeconds:UInt32}, 9)';

export function memorySql(service: string, range: TimeRange) {
  return {
    params: {
      service,
      fromSeconds: range.fromSeconds,
      toSeconds: range.toSeconds,
      faultsMetric: Metrics.processPagingFaults.name,
      rssMetric: Metrics.processMemoryUsage.name,
      faultTypeKey: MetricAttr.pagingFaultType,
    },
    faults: `
      SELECT Attributes[{faultTypeKey:String}] AS type, sum(Value) AS faults
      FROM otel_metrics_sum
      WHERE ServiceName = {service:String} AND MetricName = {faultsMetric:String} AND ${IN_RANGE}
      GROUP BY type`,
    rss: `
      SELECT max(Value) AS peak
      FROM otel_metrics_gauge
      WHERE ServiceName = {service:String} AND MetricName = {rssMetric:String} AND ${IN_RANGE}`,
  };
}

export async function queryMemory(client: Store['client'], service: string, range: TimeRange, limit: number, limits: QueryApiConfig): Promise<MemoryDiagnosis> {
  const sql = memorySql(service, range);
  const [faults, rss, oomKills] = await Promise.all([
    queryRows<{ type: string; faults: number | string }>(client, { query: sql.faults, params: sql.params }, limits),
    queryRows<{ peak: number | null }>(client, { query: sql.rss, params: sql.params }, limits),
    // The route checked the service against the key's scope already.
    queryOomKills(client, { service, range, limit }, 'all', limits),
  ]);
  const faultsOf = (type: string) => Number(faults.find((row) => row.type === type)?.faults ?? 0);
  return { majorFaults: faultsOf('major'), minorFaults: faultsOf('minor'), peakRssBytes: Number(rss[0]?.peak ?? 0), oomKills };
}
