// Seeded OTLP values for the tests that hold an encoder straight from protobuf
// against the decoded way: attribute lists over what OTLP allows (every scalar
// kind at its edges, arrays, nested arrays and maps, strings that are not
// UTF-8, repeated and missing keys) and timestamps at the fixed64 edges.

/** A placeholder the generator writes (UTF-8 C3 BF C3 BF) and the bytes that replace it: not UTF-8, same length. */
export const NOT_UTF8_MARK = '\u00ff\u00ff';
export const NOT_UTF8_BYTES = [0xff, 0xfe, 0xc0, 0xaf];

/** An encoded request with every NOT_UTF8_MARK replaced by NOT_UTF8_BYTES. */
export function withBytesNotUtf8(payload: Uint8Array): Buffer {
  const bytes = Buffer.from(payload);
  const mark = Buffer.from(NOT_UTF8_MARK);
  for (let at = bytes.indexOf(mark); at >= 0; at = bytes.indexOf(mark, at + mark.length)) bytes.set(NOT_UTF8_BYTES, at);
  return bytes;
}

/** Generators of OTLP values (as protobufjs fromObject takes them) drawing on `next`. */
export function otlpValueGenerator(next: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number) => next() < p;
  const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(next() * 256));
  const TEXTS = ['', 'flock', 'syscall futex', 'héllo wörld', '日本語', '😀 astral', 'quote " and \\ slash', 'line\nbreak\ttab', 'sep \u2028 \u2029', `bad ${NOT_UTF8_MARK} bytes`, '\ufffd sent', 'x'.repeat(300)];
  const KEYS = ['service.name', 'host.name', 'process.pid', 'a', 'b', 'B', 'ä', '😀', '', 'stallscope.user_stack', `key ${NOT_UTF8_MARK}`, 'k1', 'k2', 'k3'];
  const INTS = [0, 1, -1, 42, 2 ** 31, -(2 ** 31), 2 ** 53, -(2 ** 53) - 1, '9223372036854775807', '-9223372036854775808', '1152921504606846977'];
  const DOUBLES = [0, -0, 0.25, 1e21, 5e-324, -1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

  function scalar(): object {
    switch (Math.floor(next() * 6)) {
      case 0:
        return { stringValue: pick(TEXTS) };
      case 1:
        return { boolValue: chance(0.5) };
      case 2:
        return { intValue: pick(INTS) };
      case 3:
        return { doubleValue: pick(DOUBLES) };
      case 4:
        return chance(0.5) ? {} : { bytesValue: bytes(Math.floor(next() * 4)) };
      default:
        return { stringValue: pick(['runtime.futex', 'main.handle', '3', '-11']) };
    }
  }

  function value(depth = 0): object {
    const roll = next();
    if (roll < 0.6 || depth > 1) return scalar();
    if (roll < 0.99) return { arrayValue: { values: Array.from({ length: Math.floor(next() * 5) }, () => (chance(0.02) ? value(depth + 1) : scalar())) } };
    return { kvlistValue: { values: attributes(3, depth + 1) } };
  }

  function attributes(max: number, depth = 0): object[] {
    return Array.from({ length: Math.floor(next() * (max + 1)) }, () => (chance(0.05) ? { key: pick(KEYS) } : { key: pick(KEYS), value: value(depth) }));
  }

  function time(): string {
    return pick(['0', '1700000000123456789', '1700000001023456789', '9223372036854775807', '9223372036854775808', '18446744073709551615', '1']);
  }

  return { pick, chance, bytes, TEXTS, INTS, DOUBLES, attributes, time };
}

/** `bytes` with one byte changed, cut short, or one byte put in, at a place drawn from `next`. */
export function mutated(bytes: Buffer, next: () => number): Buffer {
  const roll = next();
  const at = Math.floor(next() * bytes.length);
  if (roll < 0.5) {
    const changed = Buffer.from(bytes);
    changed[at] = Math.floor(next() * 256);
    return changed;
  }
  if (roll < 0.75) return bytes.subarray(0, at);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from([Math.floor(next() * 256)]), bytes.subarray(at)]);
}

/** `count` requests from `request`, each mutated (mutated()), with their index; empty ones passed over. */
export function* mutatedRequests(request: () => Uint8Array, next: () => number, count: number): Generator<[Buffer, number]> {
  for (let index = 0; index < count; index++) {
    const bytes = Buffer.from(request());
    if (bytes.length > 0) yield [mutated(bytes, next), index];
  }
}
