// Where the ingest's main thread spends its time: self time of a V8 CPU
// profile (node --cpu-prof) summed per stage of the ingest, as shares of its
// busy time (the idle samples before, between and after drains left out).
import { readFileSync } from 'node:fs';

// First match wins: the stage a function's source file belongs to.
const STAGES = [
  ['garbage collection', (frame) => frame.functionName === '(garbage collector)'],
  ['OTLP decode', (frame) => /otlp-decode|otlp-json|protobufjs|\/long\//.test(frame.url)],
  ['row building', (frame) => /ingest\/dist\/(rows|metric-rows|log-rows|attribute-strings|clickhouse-values|message-rows|batch-handler|insert-plan)\.js/.test(frame.url)],
  ['spans and points straight to RowBinary', (frame) => /ingest\/dist\/(trace-row-binary|trace-rows-wasm|metric-row-binary|otlp-proto-walk|go-sort)\.js|^wasm:/.test(frame.url)],
  ['insert encoding', (frame) => /ingest\/dist\/(row-binary|rowbinary|insert-format)|@clickhouse\/client/.test(frame.url) || frame.functionName === 'stringify'],
  ['HTTP client', (frame) => /^node:(_http|http|net|stream|internal\/(streams|http))/.test(frame.url)],
  ['engine call (chDB binding)', (frame) => /node_modules\/chdb\//.test(frame.url)],
  ['Kafka client', (frame) => /kafkajs/.test(frame.url)],
  ['V8/runtime (no JS frame)', (frame) => frame.functionName === '(program)'],
];

export function summarizeCpuProfile(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const selfUs = new Map();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byStage = new Map();
  const byFunction = new Map();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    const stage = STAGES.find(([, matches]) => matches(frame))?.[0] ?? 'other JS';
    byStage.set(stage, (byStage.get(stage) ?? 0) + us);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    totalUs += us;
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, share: us / totalUs }));
  return { stages: sorted(byStage), functions: sorted(byFunction).slice(0, 12), busySeconds: totalUs / 1e6 };
}
