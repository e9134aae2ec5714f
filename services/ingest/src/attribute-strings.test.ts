import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anyValueAsString, attributeString, attributesAsStrings } from './attribute-strings.js';
import type { AnyValue } from './otlp-model.js';

const str = (value: string): AnyValue => ({ type: 'string', value });
const int = (value: bigint): AnyValue => ({ type: 'int', value });
const double = (value: number): AnyValue => ({ type: 'double', value });

describe('anyValueAsString (pcommon.Value.AsString)', () => {
  it('renders scalars', () => {
    assert.equal(anyValueAsString(str('a "b"')), 'a "b"');
    assert.equal(anyValueAsString({ type: 'empty' }), '');
    assert.equal(anyValueAsString({ type: 'bool', value: false }), 'false');
    assert.equal(anyValueAsString(int(-5n)), '-5');
    assert.equal(anyValueAsString(int(9_223_372_036_854_775_807n)), '9223372036854775807');
    assert.equal(anyValueAsString(double(0.25)), '0.25');
    assert.equal(anyValueAsString(double(1e21)), '1e+21');
    assert.equal(anyValueAsString(double(1e-7)), '1e-7');
    assert.equal(anyValueAsString({ type: 'bytes', value: Uint8Array.from([0xde, 0xad, 0xbe, 0xef]) }), '3q2+7w==');
  });

  it('renders arrays and maps as JSON, map keys sorted and the last duplicate winning', () => {
    const array: AnyValue = {
      type: 'array',
      values: [str('a'), int(1n), double(2.5), { type: 'bool', value: true }, { type: 'empty' }, int(2n ** 62n)],
    };
    assert.equal(anyValueAsString(array), '["a",1,2.5,true,null,4611686018427387904]');
    const map: AnyValue = {
      type: 'kvlist',
      values: [
        { key: 'b', value: { type: 'kvlist', values: [{ key: 'c', value: str('d') }] } },
        { key: 'a', value: int(1n) },
        { key: 'a', value: int(2n) },
      ],
    };
    assert.equal(anyValueAsString(map), '{"a":2,"b":{"c":"d"}}');
  });

  it('keeps the sign of -0 and escapes U+2028/U+2029 inside JSON, as pdata v1.61.0 does', () => {
    assert.equal(anyValueAsString(double(-0)), '-0');
    assert.equal(anyValueAsString({ type: 'array', values: [double(-0), double(0)] }), '[-0,0]');
    assert.equal(anyValueAsString(str('a\u2028b')), 'a\u2028b', 'a plain string is stored as is');
    const separators: AnyValue = { type: 'array', values: [str('a\u2028b\u2029c<&>\b\f\u0001')] };
    assert.equal(anyValueAsString(separators), '["a\\u2028b\\u2029c<&>\\b\\f\\u0001"]');
    assert.equal(anyValueAsString({ type: 'kvlist', values: [{ key: 'k\u2028', value: str('v') }] }), '{"k\\u2028":"v"}');
  });

  it('renders empty bytes as "" alone and as null inside arrays and maps, as pdata (ByteSlice.AsRaw of nothing is nil)', () => {
    const empty: AnyValue = { type: 'bytes', value: new Uint8Array(0) };
    assert.equal(anyValueAsString(empty), '');
    assert.equal(anyValueAsString({ type: 'array', values: [empty, { type: 'bytes', value: Uint8Array.from([0xde, 0xad]) }] }), '[null,"3q0="]');
    assert.equal(anyValueAsString({ type: 'kvlist', values: [{ key: 'b', value: empty }] }), '{"b":null}');
  });

  it('renders an array or map holding a non-finite double as "" (Go cannot marshal it; pdata keeps the empty output)', () => {
    assert.equal(anyValueAsString(double(Number.NaN)), 'NaN');
    assert.equal(anyValueAsString(double(-Infinity)), '-Infinity');
    assert.equal(anyValueAsString({ type: 'array', values: [str('a'), double(Number.NaN)] }), '');
    const nested: AnyValue = { type: 'kvlist', values: [{ key: 'k', value: { type: 'array', values: [double(Infinity)] } }] };
    assert.equal(anyValueAsString(nested), '');
  });

  it('sorts map keys by their UTF-8 bytes, as Go does (not by UTF-16 units)', () => {
    const map: AnyValue = { type: 'kvlist', values: [{ key: '\u{1F511}', value: str('emoji') }, { key: '\uFF46', value: str('fullwidth') }, { key: 'z', value: str('z') }] };
    assert.equal(anyValueAsString(map), '{"z":"z","\uFF46":"fullwidth","\u{1F511}":"emoji"}');
  });
});

describe('strings that are not UTF-8 (as pdata v1.61.0 and Go\'s encoding/json)', () => {
  const sent = (...bytes: number[]): AnyValue => {
    const raw = Uint8Array.from(bytes);
    return { type: 'string', value: Buffer.from(raw).toString('utf8'), bytes: raw };
  };

  it('stores a top-level string as its bytes', () => {
    assert.deepEqual(anyValueAsString(sent(0x61, 0xff, 0x62)), Uint8Array.from([0x61, 0xff, 0x62]));
  });

  it('writes each byte that starts no valid sequence as the escape \\ufffd inside arrays, where a sent U+FFFD stays the character', () => {
    const cases: [number[], string][] = [
      [[0x61, 0xff, 0x62], '"a\\ufffdb"'],
      // A truncated sequence: one escape per byte (WHATWG decoding makes one U+FFFD of both).
      [[0xe2, 0x82], '"\\ufffd\\ufffd"'],
      // A surrogate, an overlong form, past U+10FFFF, a truncated astral sequence.
      [[0xed, 0xa0, 0x80], '"\\ufffd\\ufffd\\ufffd"'],
      [[0xc0, 0xaf], '"\\ufffd\\ufffd"'],
      [[0xf4, 0x90, 0x80, 0x80], '"\\ufffd\\ufffd\\ufffd\\ufffd"'],
      [[0xf0, 0x9f, 0x9a, 0x41], '"\\ufffd\\ufffd\\ufffdA"'],
      // Valid runs keep Go's escaping; valid multi-byte and a real U+FFFD stay characters.
      [[0x22, 0xe2, 0x80, 0xa8, 0x80, 0xc3, 0xa9, 0xef, 0xbf, 0xbd, 0x5c], '"\\"\\u2028\\ufffdé\uFFFD\\\\"'],
    ];
    for (const [bytes, json] of cases) assert.equal(anyValueAsString({ type: 'array', values: [sent(...bytes)] }), `[${json}]`, Buffer.from(bytes).toString('hex'));
    assert.equal(anyValueAsString({ type: 'array', values: [str('\uFFFD')] }), '["\uFFFD"]');
  });

  it('keys a map by the bytes of its keys: two keys that decode alike stay two, sorted by their bytes, a repeat of one still replacing it', () => {
    const map: AnyValue = {
      type: 'kvlist',
      values: [
        { key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xff]), value: str('ff') },
        { key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xfe]), value: str('fe') },
        { key: 'k\uFFFD', value: str('sent as U+FFFD') },
        { key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xff]), value: str('ff again') },
      ],
    };
    assert.equal(anyValueAsString(map), '{"k\uFFFD":"sent as U+FFFD","k\\ufffd":"fe","k\\ufffd":"ff again"}');
  });

  it('reads service.name sent as bytes that are not UTF-8 as those bytes (the exporter\'s ServiceName is AsString\'s)', () => {
    assert.deepEqual(attributeString([{ key: 'service.name', value: sent(0x63, 0xff) }], 'service.name'), Uint8Array.from([0x63, 0xff]));
  });

  it('stores a key that is not UTF-8 as its bytes, sorted among the others by bytes', () => {
    const stored = attributesAsStrings([
      { key: 'z', value: str('last') },
      { key: 'k\uFFFD', keyBytes: Uint8Array.from([0x6b, 0xff]), value: sent(0x80) },
      { key: 'a', value: str('first') },
    ]);
    assert.deepEqual(stored.entries, [
      ['a', 'first'],
      [Uint8Array.from([0x6b, 0xff]), Uint8Array.from([0x80])],
      ['z', 'last'],
    ]);
  });
});

describe('attributesAsStrings', () => {
  it('keeps every entry, a repeated key each time in the order sent, sorted by key bytes (the exporter\'s AttributesToMap)', () => {
    const stored = attributesAsStrings([
      { key: 'x', value: int(7n) },
      { key: '__proto__', value: str('p') },
      { key: 'x', value: str('again') },
      { key: '10', value: str('ten') },
      { key: '9', value: str('nine') },
      { key: '\u{1F511}', value: str('astral') },
      { key: '\uFF46', value: str('fullwidth') },
      { key: 'x', value: { type: 'bool', value: true } },
    ]);
    assert.deepEqual(stored.entries, [
      ['10', 'ten'],
      ['9', 'nine'],
      ['__proto__', 'p'],
      ['x', '7'],
      ['x', 'again'],
      ['x', 'true'],
      ['\uFF46', 'fullwidth'],
      ['\u{1F511}', 'astral'],
    ]);
    assert.equal(
      stored.jsonText(),
      '{"10":"ten","9":"nine","__proto__":"p","x":"7","x":"again","x":"true","\uFF46":"fullwidth","\u{1F511}":"astral"}',
    );
  });

  it('reads one attribute, empty when absent', () => {
    const attributes = [{ key: 'service.name', value: str('checkout') }];
    assert.equal(attributeString(attributes, 'service.name'), 'checkout');
    assert.equal(attributeString(attributes, 'host.name'), '');
  });

  it('reads the first of repeated keys, as pcommon.Map.Get (the exporter\'s ServiceName)', () => {
    const attributes = [
      { key: 'service.name', value: str('first') },
      { key: 'service.name', value: str('second') },
    ];
    assert.equal(attributeString(attributes, 'service.name'), 'first');
  });
});
