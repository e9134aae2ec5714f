// Span and attribute names of stallscope's own spans (self-tracing, off by
// default): what an ingest, a collector or a query API tells about its work
// when another stallscope watches it.

/** The instrumentation scope of every self-tracing span. */
export const SELF_TRACING_SCOPE = 'stallscope';

export const SelfSpan = {
  /** One per transport batch a topic handler gets. */
  ingestBatch: 'ingest.batch',
  /** One per planned insert (a table's rows of a batch, up to batchMaxRows), under its batch. */
  ingestInsert: 'ingest.insert',
  /** One per OTLP export request the collector answers. */
  collectorExport: 'collector.export',
  /** One SQL query the query API runs, under its request's span. */
  queryApiSql: 'query_api.sql',
  /** One interval the agent reads and exports. */
  agentInterval: 'agent.interval',
} as const;

export const SelfSpanAttr = {
  messagingDestination: 'messaging.destination.name',
  messagingPartition: 'messaging.destination.partition.id',
  messagingBatchCount: 'messaging.batch.message_count',
  firstOffset: 'stallscope.batch.first_offset',
  lastOffset: 'stallscope.batch.last_offset',
  deadLetters: 'stallscope.batch.dead_letters',
  /** Rows decoded for one table, as `stallscope.batch.rows.<table>`. */
  rowsPrefix: 'stallscope.batch.rows.',
  /** ingested | dead_lettered | insert_failed | handler_failed. */
  outcome: 'stallscope.outcome',
  dbTable: 'db.collection.name',
  dbRows: 'stallscope.db.rows',
  dbRowsRead: 'stallscope.db.rows_read',
  dbQueryText: 'db.query.text',
  dbSystem: 'db.system.name',
  signal: 'stallscope.signal',
  acceptedItems: 'stallscope.items.accepted',
  rejectedItems: 'stallscope.items.rejected',
  requestBytes: 'stallscope.request.bytes',
  messages: 'stallscope.messages',
  records: 'stallscope.agent.records',
  spansEmitted: 'stallscope.agent.spans',
  pointsEmitted: 'stallscope.agent.points',
} as const;
