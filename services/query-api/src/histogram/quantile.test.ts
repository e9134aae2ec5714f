import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantileFromScale0Buckets } from './quantile.js';

describe('quantileFromScale0Buckets', () => {
  it('interpolates linearly inside the bucket holding the rank', () => {
    // 10 values in (1024, 2048] ns: the median sits halfway through the bucket.
    const histogram = { indexes: [10], counts: [10], zeroCount: 0 };
    assert.equal(quantileFromScale0Buckets(histogram, 0.5), 1536);
    assert.equal(quantileFromScale0Buckets(histogram, 0.1), 1024 + 102.4);
    assert.equal(quantileFromScale0Buckets(histogram, 1), 2048);
    assert.equal(quantileFromScale0Buckets(histogram, 0), 1024);
  });

  it('walks buckets in index order, whatever order they come in', () => {
    const histogram = { indexes: [20, 10], counts: [1, 99], zeroCount: 0 };
    // rank 99 is the last value of bucket 10; rank 99.5 is half of the single value in bucket 20.
    assert.equal(quantileFromScale0Buckets(histogram, 0.99), 2048);
    assert.equal(quantileFromScale0Buckets(histogram, 0.995), 2 ** 20 + 2 ** 19);
  });

  it('counts zero values below every bucket', () => {
    const histogram = { indexes: [3], counts: [2], zeroCount: 2 };
    assert.equal(quantileFromScale0Buckets(histogram, 0.5), 0);
    assert.equal(quantileFromScale0Buckets(histogram, 0.75), 12);
  });

  it('skips empty buckets and handles negative indexes', () => {
    const histogram = { indexes: [-1, 0, 1], counts: [2, 0, 2], zeroCount: 0 };
    assert.equal(quantileFromScale0Buckets(histogram, 0.25), 0.75);
    assert.equal(quantileFromScale0Buckets(histogram, 0.75), 3);
  });

  it('is 0 for an empty histogram and rejects a quantile outside [0, 1]', () => {
    assert.equal(quantileFromScale0Buckets({ indexes: [], counts: [], zeroCount: 0 }, 0.99), 0);
    assert.throws(() => quantileFromScale0Buckets({ indexes: [1], counts: [1], zeroCount: 0 }, 1.5), RangeError);
    assert.throws(() => quantileFromScale0Buckets({ indexes: [1], counts: [1], zeroCount: 0 }, Number.NaN), RangeError);
  });
});
