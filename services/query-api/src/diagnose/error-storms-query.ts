// Failed syscalls of a service by errno (syscall.errors sums): retry storms
// of EAGAIN or EINTR show here though every call is fast.
import { MetricAttr, Metrics } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { TimeRange } from '../kernel/time-ranges.js';

export interface ErrorStorm {
  readonly syscall: string;
  readonly errno: string;
  readonly errorType: string;
  readonly errors: number;
  readonly errorsPerSecond: number;
}

export function errorStormsSql(service: string, range: TimeRange, limit: number) {
  const query = `
    SELECT Attributes[{syscallKey:String}] AS syscall, Attributes[{errnoKey:String}] AS errno,
      Attributes[{errorTypeKey:String}] AS errorType, sum(Value) AS errors
    FROM otel_metrics_sum
    WHERE ServiceName = {service:String} AND MetricName = {metric:String}
      AND TimeUnix >= toDateTime64({fromSeconds:UInt32}, 9) AND TimeUnix < toDateTime64({toSeconds:UInt32}, 9)
    GROUP BY syscall, errno, errorType
    ORDER BY errors DESC, syscall, errno
    LIMIT {limit:UInt32}`;
  return {
    query,
    params: {
      service,
      metric: Metrics.syscallErrors.name,
      fromSeconds: range.fromSeconds,
      toSeconds: range.toSeconds,
      limit,
      syscallKey: MetricAttr.syscallName,
      errnoKey: MetricAttr.errnoName,
      errorTypeKey: MetricAttr.errorType,
    },
  };
}

export async function queryErrorStorms(client: Store['client'], service: string, range: TimeRange, limit: number): Promise<ErrorStorm[]> {
  const { query, params } = errorStormsSql(service, range, limit);
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const seconds = range.toSeconds - range.fromSeconds;
  return (await result.json<{ syscall: string; errno: string; errorType: string; errors: number }>()).map((row) => ({
    ...row,
    errorsPerSecond: row.errors / seconds,
  }));
}
