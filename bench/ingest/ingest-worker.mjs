// One ingest process of bench/ingest.mjs: the store (chDB, or a ClickHouse server's URL), a Kafka consumer and
// the ingest, built as the launcher builds them, with the config the parent
// passes. It reports its inserted rows, CPU time and RSS over IPC, and answers
// "when is this trace queryable" probes by polling its own store. With
// `mode` 'fetch' or 'decode' it is one of the floors instead (floorHandlers).
import { createLogger, createMetricsRegistry } from '@stallscope/common';
import { createIngest, ingestConfigDefaults } from '@stallscope/ingest';
import { Topics } from '@stallscope/schemas';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { createKafkaTransport, kafkaTransportConfigDefaults } from '@stallscope/transport';
import { rowsOfMessage } from '../../services/ingest/dist/message-rows.js';
import { encodeRowBinary } from '../../services/ingest/dist/row-binary.js';
import { storedColumns, tableCodecs } from '../../services/ingest/dist/row-binary-insert.js';
import { Tables } from '../../services/ingest/dist/rows.js';
import { encodeTraceRows, traceRowLayout } from '../../services/ingest/dist/trace-row-binary.js';
import { METRIC_ROW_TABLES, encodeMetricRows, metricRowLayouts } from '../../services/ingest/dist/metric-row-binary.js';

const { brokers, chdbPath, storeUrl, ingest: ingestOverrides, kafka: kafkaOverrides, groupId, mode = 'ingest', expected } = JSON.parse(process.argv[2]);
// Errors only: the parent's stdout carries the figures.
const logger = createLogger('error', { pretty: false });
const metrics = createMetricsRegistry();
// A ClickHouse server when the parent gives its URL, else the embedded engine in this process.
const store = createStore({ ...storeConfigDefaults, ...(storeUrl ? { url: storeUrl, database: 'stallscope' } : { chdbPath }) }, { logger });
const transport = createKafkaTransport({ ...kafkaTransportConfigDefaults, ...kafkaOverrides, brokers, clientId: 'bench-ingest' }, { logger, metrics });
const consumer = transport.createConsumer(groupId);
/** Rows per table the floors' handlers got through (mode 'fetch' or 'decode'). */
const handled = {};
const count = (table, rows) => (handled[table] = (handled[table] ?? 0) + rows);

/**
 * The floors, nothing stored: 'fetch', the Kafka client alone (its fetches
 * and record batches, messages counted); 'decode', also the ingest's own way
 * from a message to its RowBinary rows (spans and metric points straight from
 * protobuf, what they leave decoded, then encoded), which is what the Collector's receiver does
 * into the debug exporter. The rows of a 'fetch' drain are its messages'
 * share of the totals the parent produced (`expected`).
 */
async function floorHandlers() {
  if (mode === 'fetch') {
    const messages = {};
    return Object.fromEntries(
      [[Topics.spans, Tables.traces], [Topics.metrics, Tables.exponentialHistograms]].map(([topic, table]) => [
        topic,
        async (batch) => {
          messages[topic] = (messages[topic] ?? 0) + batch.length;
          const { messages: total, rows } = expected[topic];
          handled[table] = messages[topic] >= total ? rows : Math.floor((messages[topic] / total) * rows);
        },
      ]),
    );
  }
  const layout = traceRowLayout(await storedColumns(store.client, Tables.traces));
  const pointColumns = new Map();
  for (const table of METRIC_ROW_TABLES) pointColumns.set(table, await storedColumns(store.client, table));
  const pointLayouts = metricRowLayouts(pointColumns);
  const codecs = new Map();
  for (const table of [Tables.gauges, Tables.sums, Tables.histograms, Tables.exponentialHistograms, Tables.summaries]) codecs.set(table, (await tableCodecs(store.client, table)).columns);
  return {
    [Topics.spans]: async (batch) => {
      for (const { value } of batch) {
        const rows = encodeTraceRows(value, layout);
        if (!rows) throw new Error('spans straight from protobuf did not take agent output');
        count(Tables.traces, rows.length);
      }
    },
    [Topics.metrics]: async (batch) => {
      for (const { value } of batch) {
        const direct = encodeMetricRows(value, pointLayouts);
        if (direct) {
          for (const [table, rows] of direct) count(table, rows.length);
          continue;
        }
        for (const [table, rows] of rowsOfMessage[Topics.metrics](value).rowsByTable) {
          if (rows.length === 0) continue;
          encodeRowBinary(rows, codecs.get(table));
          count(table, rows.length);
        }
      }
    },
  };
}

const ingest =
  mode === 'ingest'
    ? createIngest({ ...ingestConfigDefaults, ...ingestOverrides, consumerGroup: groupId }, { logger, metrics, store, consumer })
    : {
        async start() {
          for (const [topic, handler] of Object.entries(await floorHandlers())) consumer.subscribe(topic, handler);
          await consumer.start();
        },
        stop: () => consumer.stop(),
      };

async function rowsInserted() {
  if (mode !== 'ingest') return { ...handled };
  const metric = await metrics.getSingleMetric('stallscope_ingest_rows_inserted_total')?.get();
  const byTable = {};
  for (const { labels, value } of metric?.values ?? []) byTable[labels.table] = value;
  return byTable;
}

async function report() {
  const cpu = process.cpuUsage();
  process.send({ kind: 'progress', atMs: Date.now(), rows: await rowsInserted(), cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() });
}

/** Polls the store until the trace's span is there; replies with the wall-clock time it was first seen. */
async function probe(traceId) {
  for (;;) {
    const result = await store.client.query({
      query: 'SELECT count() AS n FROM otel_traces WHERE TraceId = {traceId:String}',
      query_params: { traceId },
      format: 'JSONEachRow',
    });
    const [{ n }] = await result.json();
    if (Number(n) > 0) return process.send({ kind: 'probe', traceId, seenAtMs: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// The harness gone (killed): nothing would stop this process.
process.on('disconnect', () => process.exit(1));
process.on('message', (message) => {
  if (message.kind === 'report') void report();
  else if (message.kind === 'probe') void probe(message.traceId);
  else if (message.kind === 'stop') {
    void (async () => {
      await ingest.stop();
      await store.stop();
      process.exit(0);
    })();
  }
});

await store.start();
await ingest.start();
process.send({ kind: 'ready' });
