import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goSortFunc } from './go-sort.js';
import { StoredMap } from './stored-map.js';

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const order = (keys: readonly string[]) => goSortFunc(keys.map((key, index) => ({ key, index })), byKey).map(({ index }) => index);

// What Go 1.26's slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
// gives for these keys (the golden round trip's oracle checks the same against Go itself).
const KEYS_20 = 'b a b c a b c a b c a b c a b c a b c a'.split(' ');
const GO_ORDER_20 = [7, 1, 19, 16, 4, 13, 10, 5, 8, 11, 0, 14, 17, 2, 9, 6, 12, 15, 3, 18];

describe('goSortFunc (Go\'s slices.SortFunc, pdqsort)', () => {
  it('orders equal keys as Go does past 12 elements, where it is not stable', () => {
    assert.deepEqual(order(KEYS_20), GO_ORDER_20);
    const stable = KEYS_20.map((key, index) => ({ key, index })).sort(byKey).map(({ index }) => index);
    assert.notDeepEqual(stable, GO_ORDER_20, 'a stable sort would differ');
  });

  it('keeps equal keys in order up to 12 elements (insertion sort), and sorts every length into a permutation', () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let length = 0; length <= 400; length += length < 20 ? 1 : 37) {
      const keys = Array.from({ length }, () => `k${next(length < 13 ? 3 : 5)}`);
      const sorted = order(keys);
      assert.deepEqual([...sorted].sort((a, b) => a - b), keys.map((_, index) => index), `length ${length}: a permutation`);
      assert.ok(sorted.every((index, at) => at === 0 || keys[sorted[at - 1]!]! <= keys[index]!), `length ${length}: sorted`);
      if (length <= 12) assert.deepEqual(sorted, keys.map((key, index) => ({ key, index })).sort(byKey).map(({ index }) => index));
    }
  });

  it('orders a stored map\'s repeated key as the Collector stores it', () => {
    const stored = new StoredMap(KEYS_20.map((key, index) => [key, String(index)]));
    assert.deepEqual(stored.entries.map(([, value]) => Number(value)), GO_ORDER_20);
  });
});
