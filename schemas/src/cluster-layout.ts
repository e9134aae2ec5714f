// How the migrations map onto a ClickHouse cluster (store.cluster set): every
// MergeTree-family table is created on each node as <name>_local with the
// Replicated engine of its family, and a Distributed table keeps the public
// name, so writers and readers use the same names in both modes.

/** Suffix of the per-node replicated table behind a Distributed one. */
export const LOCAL_TABLE_SUFFIX = '_local';

/**
 * Keeper path of a local table's replicas, one per shard; {shard}, {database}
 * and {replica} are the server's macros.
 */
export const REPLICATED_TABLE_PATH_PREFIX = '/clickhouse/tables/{shard}/{database}/';
export const REPLICA_NAME = '{replica}';

/**
 * The sharding key of each table's Distributed table. A trace's spans and its
 * lookup row share a shard (the lookup view runs per shard, on the spans it
 * sees); a service's metric points share one, so the rollup views fold each
 * service's minute on one shard. Dead letters have no locality to keep; an
 * SLO's rows (its versions and its delete) share a shard.
 */
export const DISTRIBUTED_SHARDING_KEYS: Readonly<Record<string, string>> = {
  otel_traces: 'cityHash64(TraceId)',
  otel_traces_trace_id_ts: 'cityHash64(TraceId)',
  otel_metrics_gauge: 'cityHash64(ServiceName)',
  otel_metrics_sum: 'cityHash64(ServiceName)',
  otel_metrics_histogram: 'cityHash64(ServiceName)',
  otel_metrics_exponential_histogram: 'cityHash64(ServiceName)',
  otel_metrics_summary: 'cityHash64(ServiceName)',
  otel_logs: 'cityHash64(ServiceName)',
  kernel_syscall_minutely: 'cityHash64(ServiceName)',
  kernel_syscall_rollup_1m: 'cityHash64(ServiceName)',
  kernel_syscall_rollup_1h: 'cityHash64(ServiceName)',
  kernel_syscall_fleet_1m: 'cityHash64(ServiceName)',
  kernel_syscall_fleet_1h: 'cityHash64(ServiceName)',
  stallscope_dead_letters: 'rand()',
  stallscope_slos: 'cityHash64(Name)',
};
