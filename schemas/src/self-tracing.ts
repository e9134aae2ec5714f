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
  /** One SQL query the query API runs, under its request's span or its SLO evaluation round's. */
  queryApiSql: 'query_api.sql',
  /** One round of the query API's SLO evaluator (every SLO's alert policies), a root: it runs on a timer, outside any request. */
  sloEvaluate: 'slo.evaluate',
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
  /**
   * ingest.batch: ingested | dead_lettered | insert_failed | handler_failed;
   * collector.export: accepted or the refusal; slo.evaluate: SloEvaluateOutcome.
   */
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
  /** SLOs with alert policies a round evaluated, failed ones included. */
  slosEvaluated: 'stallscope.slo.evaluated',
  /** SLOs whose evaluation failed in a round (their alert states are kept as they were). */
  slosFailed: 'stallscope.slo.failed',
  /** Alert policies of a round's evaluated SLOs that fire after it. */
  alertsFiring: 'stallscope.slo.alerts.firing',
  /** Alert policies whose state (firing, resolved) changed in a round, whether or not a webhook was asked for. */
  alertsChanged: 'stallscope.slo.alerts.changed',
} as const;

/** `stallscope.outcome` of an slo.evaluate span. */
export const SloEvaluateOutcome = {
  /** Every SLO evaluated. */
  evaluated: 'evaluated',
  /** Some SLOs failed (stallscope.slo.failed); the others were evaluated. */
  sloFailed: 'slo_failed',
  /** The SLOs could not be listed: nothing was evaluated. */
  catalogFailed: 'catalog_failed',
} as const;
