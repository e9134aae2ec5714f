-- Brings otel_traces (0001) and otel_metrics_exponential_histogram (0002) to
-- the exporter's current DDL without changing a stored column:
-- * otel_traces gains the exporter's ALIAS columns ResourceAttributeItems and
--   SpanAttributeItems ('key=value' strings; computed on read, nothing stored),
--   so queries written against the exporter's table run here too;
-- * otel_traces gains its idx_lower_span_name index, and Duration its T64 codec
--   (applies to parts written or merged from now on);
-- * otel_metrics_exponential_histogram gains the scope-attribute indexes the
--   exporter declares on every metrics table.
-- All of it is ADD ... IF NOT EXISTS or a repeatable MODIFY: idempotent.
ALTER TABLE otel_traces ADD COLUMN IF NOT EXISTS ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))'));
ALTER TABLE otel_traces ADD COLUMN IF NOT EXISTS SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))'));
ALTER TABLE otel_traces ADD INDEX IF NOT EXISTS idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8;
ALTER TABLE otel_traces MODIFY COLUMN Duration UInt64 CODEC(T64, ZSTD(1));
ALTER TABLE otel_metrics_exponential_histogram ADD INDEX IF NOT EXISTS idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1;
ALTER TABLE otel_metrics_exponential_histogram ADD INDEX IF NOT EXISTS idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1;
