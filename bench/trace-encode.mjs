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
import ts from 'typescript';
import { createLogger } from '@stallscope/common';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { decodeExportTraceServiceRequest } from '../services/ingest/dist/otlp-decode.js';
import { encodeRowBinary } from '../services/ingest/dist/row-binary.js';
import { storedColumns, tableCodecs } from '../services/ingest/dist/row-binary-insert.js';
import { Tables, traceRows } from '../services/ingest/dist/rows.js';
import { fleetOutput } from './lib/agent-output.mjs';
import { compareWays, timePasses } from './lib/encode-rounds.mjs';
import { repoRoot } from './lib/kit.mjs';

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
  return timePasses(encode, messages, spanTotal, PASSES);
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
  try {
    compareWays({ name: 'trace-encode', script: import.meta.filename, args: [String(spanTotal)], ways, rounds: ROUNDS, unit: 'span', heading: `${spanTotal} agent spans` });
  } finally {
    if (revisionFile) rmSync(join(repoRoot, 'services', 'ingest', 'dist', revisionFile), { force: true });
  }
}
