// What the ingest's main thread spends turning one agent span into an
// otel_traces row: the direct way (protobuf bytes straight to RowBinary, the
// default), by each of its encoders (WebAssembly, which takes agent output,
// and JavaScript, which takes any other request), against the decoded way
// (OTLP decode, row objects, then RowBinary), the baseline; with --against
// REV, also the direct way as it was at git revision REV. Each way runs in a
// process of its own, as in the ingest (V8's object shapes and optimizations
// are per process), the ways in
// turn, ROUNDS times; over fleet agent output, so the messages do not fit the
// CPU's cache, as in a drain. The garbage collector's pauses are reported apart.
//
//   node bench/trace-encode.mjs [spans=60000] [--against REV]
//
// CPU only: no Kafka; the store (chDB) is only asked for otel_traces' columns.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCProfiler } from 'node:v8';
import ts from 'typescript';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { decodeExportTraceServiceRequest } from '../services/ingest/dist/otlp-decode.js';
import { encodeRowBinary } from '../services/ingest/dist/row-binary.js';
import { storedColumns, tableCodecs } from '../services/ingest/dist/row-binary-insert.js';
import { Tables, traceRows } from '../services/ingest/dist/rows.js';
import { fleetOutput } from './lib/agent-output.mjs';
import { median, printTable, repoRoot } from './lib/kit.mjs';

const args = process.argv.slice(2);
const spanTotal = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 60_000);
const ROUNDS = 5;
const PASSES = 5;
const ENCODER = 'trace-row-binary.js';

/** One way in this process: [µs per span, GC pause µs per span], medians of PASSES passes after two to warm up. */
async function measure(way, encoderFile) {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-trace-encode-'));
  const store = createStore({ ...storeConfigDefaults, chdbPath: join(dir, 'chdb') }, { logger: createLogger('silent') });
  await store.start();
  const columns = await storedColumns(store.client, Tables.traces);
  const described = await tableCodecs(store.client, Tables.traces);
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
  const messages = fleetOutput(spanTotal, 10_000).traceMessages.map((value) => Buffer.from(value));
  let encode;
  if (way === 'decoded') {
    encode = (message) => {
      const rows = traceRows(decodeExportTraceServiceRequest(message));
      encodeRowBinary(rows, described.columns);
      return rows.length;
    };
  } else {
    const encoder = await import(join(repoRoot, 'services', 'ingest', 'dist', encoderFile));
    const layout = encoder.traceRowLayout(columns);
    // A revision before the WebAssembly encoder has encodeTraceRows only.
    const encodeRows = way === 'direct-wasm' ? encoder.encodeTraceRowsWasm : way === 'direct-js' ? encoder.encodeTraceRowsJs : encoder.encodeTraceRows;
    if (way === 'direct-wasm' && encoder.wasmTraceRowsUnavailable) throw new Error(encoder.wasmTraceRowsUnavailable);
    encode = (message) => {
      const rows = encodeRows(message, layout);
      if (!rows) throw new Error(`the ${way} way did not take agent output`);
      return rows.length;
    };
  }
  const times = [];
  const pauses = [];
  for (let pass = 0; pass < PASSES + 2; pass++) {
    const profiler = new GCProfiler();
    profiler.start();
    const start = process.hrtime.bigint();
    let rows = 0;
    for (const message of messages) rows += encode(message);
    const us = Number(process.hrtime.bigint() - start) / 1e3;
    const gcUs = profiler.stop().statistics.reduce((total, gc) => total + gc.cost, 0);
    if (rows !== spanTotal) throw new Error(`${rows} rows for ${spanTotal} spans`);
    if (pass >= 2) {
      times.push(us / spanTotal);
      pauses.push(gcUs / spanTotal);
    }
  }
  return [median(times), median(pauses)];
}

const child = args.indexOf('--child');
if (child >= 0) {
  console.log(JSON.stringify(await measure(args[child + 1], args[child + 2])));
} else {
  const against = args.includes('--against') ? args[args.indexOf('--against') + 1] : undefined;
  const ways = [
    ['decoded (baseline)', 'decoded', ENCODER],
    ['direct, WebAssembly (default for agent output)', 'direct-wasm', ENCODER],
    ['direct, JavaScript (any other request)', 'direct-js', ENCODER],
  ];
  let revisionFile;
  if (against) {
    // The encoder of that revision, beside the built one so its imports resolve.
    const source = execFileSync('git', ['show', `${against}:services/ingest/src/trace-row-binary.ts`], { cwd: repoRoot, encoding: 'utf8' });
    const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    revisionFile = `bench-trace-row-binary-${against.replace(/[^\w.-]/g, '_')}.js`;
    writeFileSync(join(repoRoot, 'services', 'ingest', 'dist', revisionFile), compiled);
    ways.push([`direct at ${against}`, 'direct', revisionFile]);
  }
  const figures = new Map(ways.map(([label]) => [label, { times: [], pauses: [] }]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, way, file] of ways) {
        const output = execFileSync(process.execPath, [import.meta.filename, String(spanTotal), '--child', way, file], { encoding: 'utf8' });
        const [us, gcUs] = JSON.parse(output.trim().split('\n').at(-1));
        figures.get(label).times.push(us);
        figures.get(label).pauses.push(gcUs);
        process.stderr.write(`\rtrace-encode: round ${round + 1}/${ROUNDS}, ${label}: ${us.toFixed(2)} µs per span     `);
      }
    }
  } finally {
    if (revisionFile) rmSync(join(repoRoot, 'services', 'ingest', 'dist', revisionFile), { force: true });
  }
  process.stderr.write('\n');
  const baseline = median(figures.get('decoded (baseline)').times);
  console.log(`trace-encode: ${spanTotal} agent spans; each way in its own process, ${ROUNDS} rounds in turn; medians`);
  printTable(
    ['way', 'µs per span', 'of it GC pauses µs', 'spans/s', 'vs decoded'],
    ways.map(([label]) => {
      const us = median(figures.get(label).times);
      return [label, us.toFixed(2), median(figures.get(label).pauses).toFixed(2), `${(1000 / us).toFixed(0)}k`, (us / baseline).toFixed(2)];
    }),
  );
}
