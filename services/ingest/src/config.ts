import { Type, type Static } from '@sinclair/typebox';
import { INGEST_CONSUMER_GROUP } from '@stallscope/schemas';

export const INSERT_FORMATS = ['RowBinary', 'JSONEachRow'] as const;
export type InsertFormat = (typeof INSERT_FORMATS)[number];

export const ingestConfigSchema = Type.Object(
  {
    /**
     * How rows travel to the store (chDB or a ClickHouse server): RowBinary
     * (no JSON text of a batch is built: less CPU and lower peak RSS,
     * docs/benchmarks.md) or JSONEachRow. Only RowBinary stores strings that
     * are not UTF-8 (attribute keys and values, names, status messages, …) as
     * the bytes sent (JSON text writes them as U+FFFD).
     */
    insertFormat: Type.Union(INSERT_FORMATS.map((format) => Type.Literal(format))),
    /**
     * With RowBinary, write otlp_spans requests straight from protobuf to
     * RowBinary (3-4x less ingest CPU per span than decoding them first;
     * docs/benchmarks.md), falling back to decoding for requests with span
     * events, links, map attribute values or otlp_json. Off: every request is
     * decoded first. The stored rows are the same either way.
     */
    directSpanRows: Type.Boolean(),
    /**
     * With RowBinary, write otlp_metrics requests of exponential histograms,
     * sums and gauges (what agents send) straight from protobuf to RowBinary,
     * falling back to decoding for other metric kinds, exemplars, map
     * attribute values or otlp_json. Off: every request is decoded first. The
     * stored rows are the same either way.
     */
    directMetricRows: Type.Boolean(),
    /** Most rows in one insert; a transport batch's rows of a table go out as inserts of this size. */
    batchMaxRows: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** First pause before a failed insert is tried again; doubles per failure. */
    insertRetryInitialBackoffMs: Type.Integer({ minimum: 1, maximum: 60_000 }),
    /** Cap of the pause between insert retries while the store is down. */
    insertRetryMaxBackoffMs: Type.Integer({ minimum: 1, maximum: 300_000 }),
    /** Consumer group the launcher creates the ingest's consumer in. */
    consumerGroup: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type IngestConfig = Static<typeof ingestConfigSchema>;

export const ingestConfigDefaults: IngestConfig = {
  insertFormat: 'RowBinary',
  directSpanRows: true,
  directMetricRows: true,
  batchMaxRows: 10_000,
  insertRetryInitialBackoffMs: 100,
  insertRetryMaxBackoffMs: 30_000,
  consumerGroup: INGEST_CONSUMER_GROUP,
};
