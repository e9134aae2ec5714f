import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WallClock } from './wall-clock.js';

test('kernel times convert through the latest pair: a wall clock stepped after start moves later spans with it', () => {
  const clock = new WallClock();
  assert.throws(() => clock.toUnixNs(5n), /before hello/);
  clock.observe({ monotonicNs: 1_000n, realtimeNs: 1_700_000_000_000_000_000n });
  assert.equal(clock.toUnixNs(1_500n), 1_700_000_000_000_000_500n);
  // The wall clock stepped 2.5 s forward between two snapshots; monotonic time did not.
  clock.observe({ monotonicNs: 10_000n, realtimeNs: 1_700_000_000_000_009_000n + 2_500_000_000n });
  assert.equal(clock.toUnixNs(10_100n), 1_700_000_000_000_009_100n + 2_500_000_000n);
});
