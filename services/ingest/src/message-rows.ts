import { Topics } from '@stallscope/schemas';
import { logRows } from './log-rows.js';
import { metricRows } from './metric-rows.js';
import { decodeExportLogsServiceRequest, decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
import { Tables, traceRows, type TableName } from './rows.js';

/** The rows one transport message becomes, per table. */
export interface MessageRows {
  rowsByTable: ReadonlyMap<TableName, readonly object[]>;
  /** Metrics that carried no data kind we store (unset, or newer than our .proto subset). */
  metricsWithoutData: number;
}

export type IngestTopic = typeof Topics.spans | typeof Topics.metrics | typeof Topics.logs;

/** The topics the ingest consumes, in the order it subscribes to them. */
export const INGEST_TOPICS: readonly IngestTopic[] = [Topics.spans, Topics.metrics, Topics.logs];

/**
 * Decodes one payload of a topic (otlp_proto or otlp_json) into rows. Bad
 * input throws OtlpDecodeError; anything else it throws is a bug of ours, not
 * of the message.
 */
export type MessageToRows = (payload: Uint8Array) => MessageRows;

export const rowsOfMessage: Record<IngestTopic, MessageToRows> = {
  [Topics.spans]: (payload) => ({
    rowsByTable: new Map([[Tables.traces, traceRows(decodeExportTraceServiceRequest(payload))]]),
    metricsWithoutData: 0,
  }),
  [Topics.metrics]: (payload) => {
    const rows = metricRows(decodeExportMetricsServiceRequest(payload));
    return {
      rowsByTable: new Map<TableName, readonly object[]>([
        [Tables.gauges, rows.gauges],
        [Tables.sums, rows.sums],
        [Tables.histograms, rows.histograms],
        [Tables.exponentialHistograms, rows.exponentialHistograms],
        [Tables.summaries, rows.summaries],
      ]),
      metricsWithoutData: rows.metricsWithoutData,
    };
  },
  [Topics.logs]: (payload) => ({
    rowsByTable: new Map([[Tables.logs, logRows(decodeExportLogsServiceRequest(payload))]]),
    metricsWithoutData: 0,
  }),
};
