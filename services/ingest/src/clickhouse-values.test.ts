import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateTime64NanosText, hexId } from './clickhouse-values.js';

describe('dateTime64NanosText', () => {
  it('writes seconds and 9 nanosecond digits without rounding', () => {
    assert.equal(dateTime64NanosText(1_700_000_000_123_456_789n), '1700000000.123456789');
    assert.equal(dateTime64NanosText(1_700_000_000_000_000_001n), '1700000000.000000001');
    assert.equal(dateTime64NanosText(0n), '0.000000000');
  });
});

describe('hexId', () => {
  it('writes lowercase hex of a view into a larger buffer', () => {
    const backing = Buffer.from('ffAB01cdff', 'hex');
    assert.equal(hexId(backing.subarray(1, 4)), 'ab01cd');
  });
});
