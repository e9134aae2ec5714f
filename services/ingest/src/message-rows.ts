import { Topics } from '@stallscope/schemas';
import { decodeExportMetricsServiceRequest, decodeExportTraceServiceRequest } from './otlp-decode.js';
import type { UnsupportedMetricType } from './otlp-model.js';
import { Tables, metricRows, traceRows, type TableName } from './rows.js';

/** The rows one transport message becomes, per table. */
export interface MessageRows {
  rowsByTable: ReadonlyMap<TableName, readonly object[]>;
  unsupportedPoints: Partial<Record<UnsupportedMetricType, number>>;
}

export type IngestTopic = typeof Topics.spans | typeof Topics.metrics;

/**
 * Decodes one payload of a topic into rows. Bad input throws OtlpDecodeError;
 * anything else it throws is a bug of ours, not of the message.
 */
export type MessageToRows = (payload: Uint8Array) => MessageRows;

export const rowsOfMessage: Record<IngestTopic, MessageToRows> = {
  [Topics.spans]: (payload) => ({
    rowsByTable: new Map([[Tables.traces, traceRows(decodeExportTraceServiceRequest(payload))]]),
    unsupportedPoints: {},
  }),
  [Topics.metrics]: (payload) => {
    const rows = metricRows(decodeExportMetricsServiceRequest(payload));
    return {
      rowsByTable: new Map([[Tables.exponentialHistograms, rows.exponentialHistograms]]),
      unsupportedPoints: rows.unsupportedPoints,
    };
  },
};
