import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlightRecorder, type FlightSample } from './flight-recorder.js';

const slot = (ms: number, faults: number): FlightSample => ({
  timeUnixNs: BigInt(ms) * 1_000_000n,
  durationMs: 250,
  faults,
  mmapBytes: 0,
  munmapBytes: 0,
  brkBytes: 0,
});
const identity = (serviceName: string) => () => ({ serviceName, cgroup: undefined });

test('a dump holds the window before its time, oldest first, RSS readings in their place', () => {
  const recorder = new FlightRecorder({ windowMs: 1000, maxProcesses: 4, maxSamplesPerProcess: 100 });
  const entry = recorder.touch(7, identity('a'));
  for (let ms = 0; ms <= 2750; ms += 250) recorder.add(entry, slot(ms, ms));
  recorder.add(entry, { ...slot(2600, 0), durationMs: 0, rssBytes: 42 });
  const dumped = recorder.dump(7, 2800_000_000n);
  // From 1800 ms on: the slot of 1750..2000 reaches into the window, the one before does not.
  assert.deepEqual(
    dumped.map((s) => [Number(s.timeUnixNs / 1_000_000n), s.rssBytes ?? s.faults]),
    [[1750, 1750], [2000, 2000], [2250, 2250], [2500, 2500], [2600, 42], [2750, 2750]],
  );
});

test('samples older than the window are dropped as new ones come, and a process holds no more than its bound', () => {
  const recorder = new FlightRecorder({ windowMs: 1000, maxProcesses: 4, maxSamplesPerProcess: 3 });
  const entry = recorder.touch(7, identity('a'));
  for (let ms = 0; ms <= 10_000; ms += 250) recorder.add(entry, slot(ms, 1));
  assert.deepEqual(entry.samples.map((s) => Number(s.timeUnixNs / 1_000_000n)), [9500, 9750, 10_000]);
});

test('past maxProcesses the least recently active process goes first', () => {
  const recorder = new FlightRecorder({ windowMs: 1000, maxProcesses: 2, maxSamplesPerProcess: 10 });
  recorder.touch(1, identity('a'));
  recorder.touch(2, identity('b'));
  recorder.touch(1, identity('a'));
  recorder.touch(3, identity('c'));
  assert.equal(recorder.size, 2);
  assert.ok(recorder.get(1) && recorder.get(3));
  assert.equal(recorder.get(2), undefined);
  assert.deepEqual(recorder.dump(2, 10n), []);
});
