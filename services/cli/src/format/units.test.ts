import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount, formatMilliseconds, formatSeconds } from './units.js';

test('durations read in s, ms or µs with three significant digits', () => {
  assert.equal(formatSeconds(19.934), '19.9 s');
  assert.equal(formatSeconds(1), '1 s');
  assert.equal(formatSeconds(250.4), '250 s');
  assert.equal(formatSeconds(0.03), '30 ms');
  assert.equal(formatSeconds(0.0012345), '1.23 ms');
  assert.equal(formatSeconds(0.000789), '789 µs');
  assert.equal(formatSeconds(0.0000005), '0.5 µs');
  assert.equal(formatSeconds(0), '0');
  assert.equal(formatMilliseconds(2.05), '2.05 ms');
  assert.equal(formatMilliseconds(2000), '2 s');
});

test('counts carry thousands separators', () => {
  assert.equal(formatCount(48211), '48,211');
  assert.equal(formatCount(7), '7');
});
