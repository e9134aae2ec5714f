// Bad input must become a dead letter, never a crash: the batch handler
// dead-letters OtlpDecodeError only, and takes anything else for a bug of ours
// that fails the batch, which is then delivered again and again (its partition
// stalls). So every mutated request, whatever its bytes, either makes rows or
// throws OtlpDecodeError, on each topic and in both encodings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '@stallscope/common/test-support';
import { Topics } from '@stallscope/schemas';
import { rowsOfMessage, type IngestTopic } from './message-rows.js';
import { OtlpDecodeError } from './otlp-decode-error.js';
import {
  appLogRecords,
  cpuGaugeMetrics,
  everyMetricKindRequest,
  serializeLogs,
  serializeLogsJson,
  serializeMetrics,
  serializeMetricsJson,
  serializeSpans,
  serializeSpansJson,
  slowSyscallSpan,
  syscallDurationMetrics,
} from './otlp-fixtures.js';

const HISTOGRAMS = syscallDurationMetrics({
  serviceName: 'checkout',
  hostName: 'host-a',
  startTime: [1_700_000_000, 0],
  endTime: [1_700_000_010, 0],
  points: [
    { syscall: 'futex', waitClass: 'lock', offset: 10, counts: [3, 0, 7], zeroCount: 1, sumNs: 90_000, minNs: 1_100, maxNs: 8_000 },
    { syscall: 'read', waitClass: 'network', offset: 0, counts: [1], sumNs: 2, minNs: 2, maxNs: 2 },
  ],
});

const SEEDS: Record<IngestTopic, () => Buffer[]> = {
  [Topics.spans]: () => [serializeSpans([slowSyscallSpan(), { ...slowSyscallSpan(), events: [], links: [] }]), serializeSpansJson([slowSyscallSpan()])],
  [Topics.metrics]: () => [
    everyMetricKindRequest(),
    serializeMetrics(HISTOGRAMS),
    serializeMetrics(cpuGaugeMetrics()),
    serializeMetricsJson(HISTOGRAMS),
  ],
  [Topics.logs]: () => [serializeLogs(appLogRecords()), serializeLogsJson(appLogRecords())],
};

/** One random change: a byte replaced, the request cut short, or a byte put in. */
function mutate(bytes: Buffer, next: () => number): Buffer {
  const roll = next();
  const at = Math.floor(next() * bytes.length);
  const byte = Math.floor(next() * 256);
  if (roll < 0.5) {
    const changed = Buffer.from(bytes);
    changed[at] = byte;
    return changed;
  }
  if (roll < 0.75) return bytes.subarray(0, at);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]);
}

describe('bad input on the ingest topics', () => {
  for (const topic of Object.keys(SEEDS) as IngestTopic[]) {
    it(`${topic}: 10,000 mutated requests each make rows or an OtlpDecodeError, nothing else`, () => {
      const next = seededRandom(topic.length * 7919);
      const seeds = SEEDS[topic]();
      const outcomes = { rows: 0, deadLetters: 0 };
      for (let index = 0; index < 10_000; index++) {
        // Now and then a mutation of a mutation: errors deeper in a request.
        let payload = mutate(seeds[index % seeds.length]!, next);
        if (next() < 0.3 && payload.length > 0) payload = mutate(payload, next);
        try {
          rowsOfMessage[topic](payload);
          outcomes.rows++;
        } catch (err) {
          assert.ok(err instanceof OtlpDecodeError, `${topic} mutation ${index} (${payload.toString('hex')}): ${(err as Error).stack}`);
          outcomes.deadLetters++;
        }
      }
      assert.ok(outcomes.rows > 0 && outcomes.deadLetters > 0, JSON.stringify(outcomes));
    });
  }
});
