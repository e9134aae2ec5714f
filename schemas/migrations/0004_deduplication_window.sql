-- The ingest gives every insert a deterministic insert_deduplication_token
-- (topic, partition, offsets, table, chunk), so a batch Kafka delivers again
-- after a crash changes nothing. A non-replicated MergeTree remembers no block
-- hashes unless this window is set (ReplicatedMergeTree keeps its own in
-- Keeper); the rollup needs it too, for the view's blocks to be deduplicated
-- (insert setting deduplicate_blocks_in_dependent_materialized_views = 1).
-- 10000 blocks cover a replay well beyond the inserts made while a consumer
-- group rebalances. MODIFY SETTING is idempotent.
ALTER TABLE otel_traces MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE otel_metrics_exponential_histogram MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE kernel_syscall_minutely MODIFY SETTING non_replicated_deduplication_window = 10000;
