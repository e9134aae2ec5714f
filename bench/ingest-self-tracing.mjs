// What self-tracing costs the ingest's decode path. The handler of a topic
// decodes every message of a transport batch and groups its rows per table;
// self-tracing adds, per batch, a batch span, its attributes and a span per
// insert. This measures that added work per batch, with self-tracing off (the
// default: the API's no-op tracer) and on (the SDK with a batch span
// processor whose exporter discards), against the baseline measured in the
// same run: the handler's own time per batch (self-tracing off) decoding
// agent output cut as the Kafka consumer delivers it by default.
//
//   node bench/ingest-self-tracing.mjs [spans=20000]
//
// CPU only: no Kafka, no store (writes resolve at once).
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry, createLogger } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { kafkaTransportConfigDefaults } from '@stallscope/transport';
import { createBatchHandler } from '../services/ingest/dist/batch-handler.js';
import { createIngestMetrics } from '../services/ingest/dist/ingest-metrics.js';
import { recordBatchResult, traceBatch, tracedInsert } from '../services/ingest/dist/ingest-tracing.js';
import { rowsOfMessage } from '../services/ingest/dist/message-rows.js';
import { fleetOutput } from './lib/agent-output.mjs';
import { fixed, median, printTable } from './lib/kit.mjs';

const spanTotal = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 20_000);
const ROUNDS = 5;
const TRACING_ITERATIONS = 100_000;
const toRows = rowsOfMessage[Topics.spans];

const { traceMessages, spans } = fleetOutput(spanTotal);
const delivered = traceMessages.map((value, index) => ({ topic: Topics.spans, partition: 0, offset: String(index), value: Buffer.from(value) }));

/** Consecutive messages up to maxBytes per batch, as the consumer's fetch cuts them. */
function cut(messages, maxBytes) {
  const batches = [];
  let batch = [];
  let bytes = 0;
  for (const message of messages) {
    if (batch.length > 0 && bytes + message.value.length > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += message.value.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
const batches = cut(delivered, kafkaTransportConfigDefaults.maxBatchBytes);

const handler = createBatchHandler({
  topic: Topics.spans,
  toRows,
  writeRows: async () => {},
  writeDeadLetters: async () => {},
  metrics: createIngestMetrics(new Registry()),
  logger: createLogger('silent'),
});

/** The handler's median time per batch over ROUNDS passes (after a warm-up pass). */
async function handlerSecondsPerBatch() {
  const passes = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now();
    for (const batch of batches) await handler(batch);
    if (round > 0) passes.push((performance.now() - start) / 1000 / batches.length);
  }
  return median(passes);
}

/** What self-tracing adds to one batch: its span, attributes and one insert span, as the ingest runs them. */
async function tracingSecondsPerBatch() {
  const batch = batches[0];
  const rowsByTable = new Map([['otel_traces', new Array(Math.round(spans / batches.length))]]);
  const insert = tracedInsert(async () => {});
  const planned = { table: 'otel_traces', rows: rowsByTable.get('otel_traces'), deduplicationToken: 'bench' };
  const passes = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < TRACING_ITERATIONS; i++) {
      await traceBatch(batch, async (span) => {
        await insert(planned);
        recordBatchResult(span, rowsByTable, 0, 'ingested');
      });
    }
    if (round > 0) passes.push((performance.now() - start) / 1000 / TRACING_ITERATIONS);
  }
  return median(passes);
}

const handlerPerBatch = await handlerSecondsPerBatch();
// Off first: once a provider is registered, the ingest's tracer keeps it.
const off = await tracingSecondsPerBatch();
const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
trace.setGlobalTracerProvider(provider);
const on = await tracingSecondsPerBatch();
await provider.shutdown();

console.log(
  `ingest self-tracing: ${spans} agent spans in ${delivered.length} messages, ${batches.length} batches of up to ` +
    `${kafkaTransportConfigDefaults.maxBatchBytes} bytes; medians of ${ROUNDS} passes`,
);
console.log(`baseline: the handler takes ${fixed(handlerPerBatch * 1000, 2)} ms per batch (${fixed(spans / (handlerPerBatch * batches.length) / 1000)}k spans/s), self-tracing off`);
printTable(
  ['self-tracing', 'added µs per batch', 'added / handler time per batch'],
  [
    ['off (default)', fixed(off * 1e6, 2), `${fixed((off / handlerPerBatch) * 100, 4)} %`],
    ['on (SDK, spans discarded)', fixed(on * 1e6, 2), `${fixed((on / handlerPerBatch) * 100, 4)} %`],
  ],
);
