// What the ingest's main thread spends turning one agent histogram point into
// an otel_metrics_exponential_histogram row: the direct way (protobuf bytes
// straight to RowBinary, the default for requests of exponential histograms,
// sums and gauges) against the decoded way (OTLP decode, row objects, then RowBinary),
// the baseline. Each way runs in a process of its own, as in the ingest, the
// ways in turn, ROUNDS times; over a fleet's agent histogram exports (one
// message of 60 points per host and 10 s interval, ten intervals per host),
// so the messages do not fit the CPU's cache, as in a drain. The garbage
// collector's pauses are reported apart.
//
//   node bench/point-encode.mjs [points=36000]
//
// CPU only: no Kafka; the store (chDB) is only asked for the table's columns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { METRIC_ROW_TABLES, encodeMetricRows, metricRowLayouts } from '../services/ingest/dist/metric-row-binary.js';
import { metricRows } from '../services/ingest/dist/metric-rows.js';
import { decodeExportMetricsServiceRequest } from '../services/ingest/dist/otlp-decode.js';
import { encodeRowBinary } from '../services/ingest/dist/row-binary.js';
import { storedColumns, tableCodecs } from '../services/ingest/dist/row-binary-insert.js';
import { Tables } from '../services/ingest/dist/rows.js';
import { RECORDED_INTERVAL_SECONDS, hostExport } from './lib/agent-output.mjs';
import { compareWays, timePasses } from './lib/encode-rounds.mjs';

const args = process.argv.slice(2);
const pointTotal = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 36_000);
const INTERVALS_PER_HOST = 10;

/** The agents' histogram messages, host after host, interval after interval, until `pointTotal` points are in. */
function agentPointMessages() {
  const endNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const intervalNs = BigInt(RECORDED_INTERVAL_SECONDS) * 1_000_000_000n;
  const messages = [];
  let points = 0;
  for (let host = 0; points < pointTotal; host++) {
    for (let interval = 0; interval < INTERVALS_PER_HOST && points < pointTotal; interval++) {
      const exported = hostExport(host, 0, endNs - BigInt(interval) * intervalNs);
      messages.push(...exported.metricMessages.map((value) => Buffer.from(value)));
      points += exported.points;
    }
  }
  return { messages, points };
}
const ROUNDS = 5;
const PASSES = 5;

/** One way in this process: [µs per point, GC pause µs per point]. */
async function measure(way) {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-point-encode-'));
  const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger: createLogger('silent') });
  await store.start();
  const columns = new Map();
  for (const table of METRIC_ROW_TABLES) columns.set(table, await storedColumns(store.client, table));
  const described = await tableCodecs(store.client, Tables.exponentialHistograms);
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
  const { messages, points } = agentPointMessages();
  let encode;
  if (way === 'decoded') {
    encode = (message) => {
      const rows = metricRows(decodeExportMetricsServiceRequest(message)).exponentialHistograms;
      encodeRowBinary(rows, described.columns);
      return rows.length;
    };
  } else {
    const layouts = metricRowLayouts(columns);
    encode = (message) => {
      const rows = encodeMetricRows(message, layouts)?.get(Tables.exponentialHistograms);
      if (!rows) throw new Error('the direct way did not take agent output');
      return rows.length;
    };
  }
  return timePasses(encode, messages, points, PASSES);
}

const child = args.indexOf('--child');
if (child >= 0) {
  console.log(JSON.stringify(await measure(args[child + 1])));
} else {
  compareWays({
    name: 'point-encode',
    script: import.meta.filename,
    args: [String(pointTotal)],
    ways: [
      ['decoded (baseline)', 'decoded', ''],
      ['direct (default for agent output)', 'direct', ''],
    ],
    rounds: ROUNDS,
    unit: 'point',
    heading: `${pointTotal} agent histogram points (and up to one message more)`,
  });
}
