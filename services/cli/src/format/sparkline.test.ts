import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldToWidth, sparkline } from './sparkline.js';

test('a sparkline scales from zero to the largest value', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), '▁▁▂▄█');
  assert.equal(sparkline([0, 0]), '▁▁');
  assert.equal(sparkline([]), '');
});

test('a long series folds into the columns there are, summing neighbours', () => {
  assert.deepEqual(foldToWidth([1, 2, 3, 4, 5], 3), [3, 7, 5]);
  assert.deepEqual(foldToWidth([1, 2], 10), [1, 2]);
});
