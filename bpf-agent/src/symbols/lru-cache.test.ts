import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from './lru-cache.js';

test('entries beyond the count bound go least recently used first', () => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  cache.set('c', 3);
  assert.deepEqual(['a', 'b', 'c'].map((key) => cache.has(key)), [true, false, true]);
});

test('a weight bound drops the least recently used entries until the rest fit, and tracks deletes', () => {
  const cache = new LruCache<string, { bytes: number }>(100, { maxWeight: 10, weightOf: (value) => value.bytes });
  cache.set('a', { bytes: 4 });
  cache.set('b', { bytes: 4 });
  cache.get('a');
  cache.set('c', { bytes: 5 });
  assert.deepEqual(['a', 'b', 'c'].map((key) => cache.has(key)), [true, false, true], 'b, least recently used, made room');
  assert.equal(cache.weightInUse, 9);
  cache.set('d', { bytes: 1 });
  assert.equal(cache.weightInUse, 10, 'exactly the bound fits');
  cache.delete('c');
  assert.equal(cache.weightInUse, 5);
  cache.set('d', { bytes: 2 });
  assert.equal(cache.weightInUse, 6, 'a replaced value counts once, with its new weight');
});

test('an entry heavier than the whole bound is kept alone, not dropped at once', () => {
  const cache = new LruCache<string, number>(10, { maxWeight: 10, weightOf: (value) => value });
  cache.set('small', 3);
  cache.set('huge', 50);
  assert.equal(cache.has('huge'), true);
  assert.equal(cache.has('small'), false);
  assert.equal(cache.size, 1);
});
