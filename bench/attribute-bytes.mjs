// What keeping attribute bytes that are not UTF-8 costs the ingest's decode
// path. The decoder reads attribute strings as text and looks for U+FFFD in
// each; only a message holding one is decoded a second time, with those
// strings as bytes. This times the topic's decode + row building over agent
// output as sent (valid UTF-8, the common case: the baseline, measured in the
// same run) and over the same messages with one attribute key byte made
// invalid in each (every message takes the second decode).
//
//   node bench/attribute-bytes.mjs [spans=20000]
//
// CPU only: no Kafka, no store.
import { Topics } from '@stallscope/schemas';
import { rowsOfMessage } from '../services/ingest/dist/message-rows.js';
import { Tables } from '../services/ingest/dist/rows.js';
import { fleetOutput } from './lib/agent-output.mjs';
import { median, printTable } from './lib/kit.mjs';

const spanTotal = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 20_000);
const ROUNDS = 11;
const toRows = rowsOfMessage[Topics.spans];

const { traceMessages } = fleetOutput(spanTotal);
const valid = traceMessages.map((value) => Buffer.from(value));
// The same length, so the protobuf framing stays right: "host.name" -> "host\xffname".
const KEY = Buffer.from('host.name');
const invalid = valid.map((message) => {
  const copy = Buffer.from(message);
  const at = copy.indexOf(KEY);
  if (at < 0) throw new Error('agent output without a host.name attribute');
  copy[at + 4] = 0xff;
  return copy;
});

// Each changed message really takes the bytes path: its key is stored as bytes.
const [firstRow] = toRows(invalid[0]).rowsByTable.get(Tables.traces);
if (!firstRow.ResourceAttributes.entries.some(([key]) => key instanceof Uint8Array)) throw new Error('the changed key was not kept as bytes');

function decodeMs(messages) {
  const start = process.hrtime.bigint();
  let rows = 0;
  for (const message of messages) rows += toRows(message).rowsByTable.get(Tables.traces)?.length ?? 0;
  if (rows !== spanTotal) throw new Error(`${rows} rows for ${spanTotal} spans`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Warm up both paths, then alternate so load drift hits both alike.
for (let i = 0; i < 3; i++) {
  decodeMs(valid);
  decodeMs(invalid);
}
const validMs = [];
const invalidMs = [];
for (let i = 0; i < ROUNDS; i++) {
  validMs.push(decodeMs(valid));
  invalidMs.push(decodeMs(invalid));
}
const baseline = median(validMs);
console.log(`attribute bytes: ${spanTotal} agent spans in ${valid.length} messages; medians of ${ROUNDS} alternating passes`);
printTable(
  ['messages', 'decode + rows ms', 'spans/s', 'vs valid UTF-8'],
  [
    ['valid UTF-8 (baseline)', baseline.toFixed(1), `${(spanTotal / baseline).toFixed(1)}k`, '1.00'],
    ['one key not UTF-8 per message', median(invalidMs).toFixed(1), `${(spanTotal / median(invalidMs)).toFixed(1)}k`, (median(invalidMs) / baseline).toFixed(2)],
  ],
);
