import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantileFromScale0Buckets } from './quantile.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9 * expected, `${actual} != ${expected}`);

describe('quantileFromScale0Buckets', () => {
  it('interpolates log-linearly inside the bucket holding the rank', () => {
    // 10 values in (1024, 2048] ns: the median sits halfway through the bucket in log space.
    const histogram = { indexes: [10], counts: [10], zeroCount: 0 };
    close(quantileFromScale0Buckets(histogram, 0.5), 1024 * Math.SQRT2);
    close(quantileFromScale0Buckets(histogram, 0.1), 2 ** 10.1);
    assert.equal(quantileFromScale0Buckets(histogram, 1), 2048);
    assert.equal(quantileFromScale0Buckets(histogram, 0), 1024);
  });

  it('walks buckets in index order, whatever order they come in', () => {
    const histogram = { indexes: [20, 10], counts: [1, 99], zeroCount: 0 };
    // rank 99 is the last value of bucket 10; rank 99.5 is half of the single value in bucket 20.
    assert.equal(quantileFromScale0Buckets(histogram, 0.99), 2048);
    close(quantileFromScale0Buckets(histogram, 0.995), 2 ** 20.5);
  });

  it('counts zero values below every bucket', () => {
    const histogram = { indexes: [3], counts: [2], zeroCount: 2 };
    assert.equal(quantileFromScale0Buckets(histogram, 0.5), 0);
    close(quantileFromScale0Buckets(histogram, 0.75), 2 ** 3.5);
  });

  it('skips empty buckets and handles negative indexes', () => {
    const histogram = { indexes: [-1, 0, 1], counts: [2, 0, 2], zeroCount: 0 };
    close(quantileFromScale0Buckets(histogram, 0.25), 2 ** -0.5);
    close(quantileFromScale0Buckets(histogram, 0.75), 2 ** 1.5);
  });

  it('is 0 for an empty histogram and rejects a quantile outside [0, 1]', () => {
    assert.equal(quantileFromScale0Buckets({ indexes: [], counts: [], zeroCount: 0 }, 0.99), 0);
    assert.throws(() => quantileFromScale0Buckets({ indexes: [1], counts: [1], zeroCount: 0 }, 1.5), RangeError);
    assert.throws(() => quantileFromScale0Buckets({ indexes: [1], counts: [1], zeroCount: 0 }, Number.NaN), RangeError);
  });
});
