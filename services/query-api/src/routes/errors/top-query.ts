import { MetricAttr, Metrics, ResourceAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../../access/principal.js';
import { assertServiceInScope } from '../../access/scope.js';
import type { QueryApiConfig } from '../../config.js';
import { Conditions } from '../../store/conditions.js';
import { queryRows, type BoundQuery } from '../../store/run-query.js';

/** errno: one row per errno name (EAGAIN...); errnoClass: per OTel error.type (EINTR, EAGAIN, ETIMEDOUT, other). */
export const TOP_ERRORS_MODES = ['errno', 'errnoClass'] as const;
export type TopErrorsMode = (typeof TOP_ERRORS_MODES)[number];

export interface TopErrorsFilter {
  windowSeconds: number;
  by: TopErrorsMode;
  service?: string | undefined;
  host?: string | undefined;
  syscall?: string | undefined;
  errno?: string | undefined;
  limit: number;
}

export function topErrorsSql(filter: TopErrorsFilter, scope: ServiceScope): BoundQuery {
  assertServiceInScope(scope, filter.service);
  const errnoAttribute = filter.by === 'errno' ? MetricAttr.errnoName : MetricAttr.errorType;
  const conditions = new Conditions()
    .add('MetricName = {metric:String} AND AggregationTemporality = 1', { metric: Metrics.syscallErrors.name })
    .add('TimeUnix >= now() - toIntervalSecond({windowSeconds:UInt32})', { windowSeconds: filter.windowSeconds })
    .equals('ServiceName', 'service', filter.service)
    .equals(`ResourceAttributes['${ResourceAttr.hostName}']`, 'host', filter.host)
    .equals(`Attributes['${MetricAttr.syscallName}']`, 'syscall', filter.syscall)
    .equals(`Attributes['${errnoAttribute}']`, 'errno', filter.errno)
    .scope(scope, 'ServiceName');
  const query = `
    SELECT ServiceName AS service, Attributes['${MetricAttr.syscallName}'] AS syscall, Attributes['${errnoAttribute}'] AS errno,
      sum(Value) AS errors, uniqExact(ResourceAttributes['${ResourceAttr.hostName}']) AS hosts
    FROM otel_metrics_sum
    WHERE ${conditions.toSql()}
    GROUP BY service, syscall, errno
    ORDER BY errors DESC, service, syscall, errno
    LIMIT {limit:UInt32}`;
  return { query, params: { ...conditions.params, limit: filter.limit } };
}

export interface TopErrorRow {
  service: string;
  syscall: string;
  errno: string;
  errors: number;
  hosts: number;
}

/** Failed syscalls per (service, syscall, errno or its class) from syscall.errors, most first. */
export async function queryTopErrors(
  client: Store['client'],
  filter: TopErrorsFilter,
  scope: ServiceScope,
  limits: QueryApiConfig,
): Promise<TopErrorRow[]> {
  const rows = await queryRows<{ service: string; syscall: string; errno: string; errors: number; hosts: string }>(
    client,
    topErrorsSql(filter, scope),
    limits,
  );
  return rows.map((row) => ({ ...row, errors: Number(row.errors), hosts: Number(row.hosts) }));
}
