// One ingest process of bench/ingest.mjs: the store (chDB, or a ClickHouse server's URL), a Kafka consumer and
// the ingest, built as the launcher builds them, with the config the parent
// passes. It reports its inserted rows, CPU time and RSS over IPC, and answers
// "when is this trace queryable" probes by polling its own store.
import { createLogger, createMetricsRegistry } from '@stallscope/common';
import { createIngest, ingestConfigDefaults } from '@stallscope/ingest';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { createKafkaTransport, kafkaTransportConfigDefaults } from '@stallscope/transport';

const { brokers, chdbPath, storeUrl, ingest: ingestOverrides, kafka: kafkaOverrides, groupId } = JSON.parse(process.argv[2]);
// Errors only: the parent's stdout carries the figures.
const logger = createLogger('error', { pretty: false });
const metrics = createMetricsRegistry();
// A ClickHouse server when the parent gives its URL, else the embedded engine in this process.
const store = createStore({ ...storeConfigDefaults, ...(storeUrl ? { url: storeUrl, database: 'stallscope' } : { chdbPath }) }, { logger });
const transport = createKafkaTransport({ ...kafkaTransportConfigDefaults, ...kafkaOverrides, brokers, clientId: 'bench-ingest' }, { logger, metrics });
const consumer = transport.createConsumer(groupId);
const ingest = createIngest({ ...ingestConfigDefaults, ...ingestOverrides, consumerGroup: groupId }, { logger, metrics, store, consumer });

async function rowsInserted() {
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
