import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SyscallHistRecord } from '../loader/records.js';
import { HistogramDeltas } from './histogram-deltas.js';
import { exponentialHistogramOf } from './histogram-metrics.js';

const SERVICE_OF: Record<number, string> = { 10: 'api', 11: 'api', 20: 'db' };

function hist(tgid: number, bucket: number, count: number, sumNs: number, maxNs = 0, syscallNr = 202): SyscallHistRecord {
  return { type: 'syscall-hist', tgid, syscallNr, bucket, classKey: 0, count: BigInt(count), sumNs: BigInt(sumNs), maxNs: BigInt(maxNs) };
}

const names = (record: SyscallHistRecord) => ({
  serviceName: SERVICE_OF[record.tgid] ?? 'unknown',
  attributes: { syscall: record.syscallNr === 202 ? 'futex' : 'read' },
});
const newDeltas = () => new HistogramDeltas<SyscallHistRecord>((r) => `${r.tgid}:${r.syscallNr}:${r.bucket}`);

test('first snapshot: the cumulative counters are the delta; processes of one service merge', () => {
  const deltas = newDeltas();
  const { deltas: out, exitedTgids } = deltas.next(
    [hist(10, 21, 3, 3_000_000, 1_500_000), hist(11, 21, 1, 1_200_000, 1_200_000), hist(11, 24, 1, 9_000_000, 9_000_000)],
    names,
  );
  assert.deepEqual(exitedTgids, []);
  assert.equal(out.length, 1);
  const api = out[0]!;
  assert.equal(api.serviceName, 'api');
  assert.equal(api.count, 5);
  assert.equal(api.sumNs, 13_200_000);
  // kernel bucket b is exponential index b-1
  assert.deepEqual([...api.bucketCounts], [[20, 4], [23, 1]]);
  assert.equal(api.maxNs, 9_000_000, 'max comes from the highest bucket touched');
});

test('later snapshots export only what changed, and report processes that vanished', () => {
  const deltas = newDeltas();
  deltas.next([hist(10, 21, 3, 3_000_000), hist(20, 5, 7, 100, 20, 0)], names);
  const second = deltas.next([hist(10, 21, 5, 5_500_000, 1_800_000)], names);
  assert.deepEqual(second.exitedTgids, [20]);
  assert.equal(second.deltas.length, 1);
  assert.equal(second.deltas[0]!.count, 2);
  assert.equal(second.deltas[0]!.sumNs, 2_500_000);
  const third = deltas.next([hist(10, 21, 5, 5_500_000)], names);
  assert.deepEqual(third.deltas, [], 'unchanged counters produce no point');
});

test('a counter that went backwards (pid reused) counts whole', () => {
  const deltas = newDeltas();
  deltas.next([hist(10, 21, 100, 100_000_000)], names);
  const { deltas: out } = deltas.next([hist(10, 21, 2, 2_000_000)], names);
  assert.equal(out[0]!.count, 2);
  assert.equal(out[0]!.sumNs, 2_000_000);
});

test('kernel bucket 0 (0..1 ns) is the zero bucket; positive buckets are dense from the lowest index', () => {
  const deltas = newDeltas();
  const { deltas: out } = deltas.next([hist(20, 0, 2, 1), hist(20, 3, 1, 7, 7), hist(20, 6, 4, 200, 60)], names);
  const point = exponentialHistogramOf(out[0]!);
  assert.equal(point.scale, 0);
  assert.equal(point.zeroCount, 2);
  assert.equal(point.count, 7);
  assert.deepEqual(point.positive, { offset: 2, bucketCounts: [1, 0, 0, 4] });
  assert.equal(point.max, 60);
});

test('counts held back (no group yet) go out whole in the interval that first names them', () => {
  const deltas = newDeltas();
  let named = false;
  const maybe = (record: SyscallHistRecord) => (named ? names(record) : undefined);
  assert.deepEqual(deltas.next([hist(10, 21, 3, 3_000_000)], maybe).deltas, []);
  assert.deepEqual(deltas.next([hist(10, 21, 5, 5_000_000)], maybe).deltas, []);
  named = true;
  const [delta] = deltas.next([hist(10, 21, 6, 6_000_000)], maybe).deltas;
  assert.equal(delta!.count, 6, 'nothing lost while held');
  assert.equal(delta!.sumNs, 6_000_000);
  assert.equal(deltas.next([hist(10, 21, 7, 7_000_000)], maybe).deltas[0]!.count, 1);
});
