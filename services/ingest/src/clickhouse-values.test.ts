import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateTime64NanosText, hexId, jsonEachRowText } from './clickhouse-values.js';
import { StoredMap } from './stored-map.js';

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

describe('jsonEachRowText', () => {
  it('writes a stored map with every repeated key, maps inside arrays too, and leaves undefined columns out', () => {
    const rows = [
      { Id: 1, Tags: new StoredMap([['b', '2'], ['a', '1'], ['b', '3']]), Nested: [new StoredMap([['k', 'v"']]), new StoredMap([])], Skip: undefined, Plain: { h: 'x' } },
      { Id: 2, Tags: new StoredMap([]), Nested: [], Plain: {} },
    ];
    assert.equal(
      jsonEachRowText(rows),
      '{"Id":1,"Tags":{"a":"1","b":"2","b":"3"},"Nested":[{"k":"v\\""},{}],"Plain":{"h":"x"}}\n{"Id":2,"Tags":{},"Nested":[],"Plain":{}}\n',
    );
  });
});
