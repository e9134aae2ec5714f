-- SLO definitions put through the API (PUT /v1/slos/:name), as the OpenSLO v1
-- YAML they were given in. Each write is a new row; the newest row per name
-- wins (argMax on UpdatedAt at read time, so no merge or FINAL is needed to be
-- correct), and a delete is a newer row with Deleted = 1. SLOs loaded from
-- files are not stored here.
CREATE TABLE IF NOT EXISTS stallscope_slos
(
    Name String,
    Document String CODEC(ZSTD(1)),
    Deleted UInt8,
    UpdatedAt DateTime64(3)
)
ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY Name;
