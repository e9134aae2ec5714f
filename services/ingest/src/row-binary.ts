// Rows -> ClickHouse's RowBinary format, column codecs chosen from the
// table's own column types (DESCRIBE TABLE), so the migrations stay the one
// place that declares them. Values come in the forms the row builders make for
// JSONEachRow (DateTime64 as "<seconds>.<fraction>", UInt64 as decimal text,
// Float64 as a number or 'nan'/'inf'/'-inf', maps as a StoredMap or a plain
// object, strings as text or, when not UTF-8, as their bytes), so both formats
// carry the same rows.
import { StoredMap } from './stored-map.js';

/** A column type this encoder does not write; the table's inserts stay JSONEachRow. */
export class UnsupportedColumnTypeError extends Error {}

/** Up to this many bytes a copy goes byte by byte. */
const SHORT_COPY_BYTES = 48;
const HEX_DIGITS = Buffer.from('0123456789abcdef');

const ZERO = 0x30;
const MINUS = 0x2d;

/** How many bytes String(value) has, for a safe integer. */
function decimalLength(value: number): number {
  let length = value < 0 ? 2 : 1;
  const magnitude = value < 0 ? -value : value;
  for (let power = 10; power <= magnitude; power *= 10) length++;
  return length;
}

/** A growable byte buffer with RowBinary's primitive writes. */
export class RowBinaryWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  /** LEB128, as RowBinary writes string lengths and array/map sizes. */
  varUInt(value: number): void {
    this.reserve(5);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.position++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.position++] = rest;
  }

  string(value: string): void {
    // At most 3 bytes per UTF-16 unit; a short string's length fits one varint byte.
    const maxBytes = value.length * 3;
    if (maxBytes < 0x80) {
      this.reserve(1 + maxBytes);
      const written = this.buffer.write(value, this.position + 1, 'utf8');
      this.buffer[this.position] = written;
      this.position += 1 + written;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varUInt(bytes);
    this.reserve(bytes);
    this.position += this.buffer.write(value, this.position, 'utf8');
  }

  /** A string's bytes as they are (ClickHouse strings are bytes, UTF-8 or not). */
  rawString(value: Uint8Array): void {
    this.varUInt(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.position);
    this.position += value.length;
  }

  /** A string whose bytes are `source[start, end)`. */
  rawBytes(source: Uint8Array, start: number, end: number): void {
    this.varUInt(end - start);
    this.appendRange(source, start, end);
  }

  /** `source[start, end)` as it is. */
  appendRange(source: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    if (end - start > SHORT_COPY_BYTES) {
      this.position += Buffer.prototype.copy.call(source, this.buffer, this.position, start, end);
      return;
    }
    // A loop beats Buffer's copy calls for the short strings most values are.
    const buffer = this.buffer;
    let position = this.position;
    for (let at = start; at < end; at++) buffer[position++] = source[at]!;
    this.position = position;
  }

  /** `source[start, start + length)` as a String of lowercase hex digits (twice as long). */
  hex(source: Uint8Array, start: number, length: number): void {
    this.varUInt(length * 2);
    this.reserve(length * 2);
    const buffer = this.buffer;
    let position = this.position;
    for (let at = start; at < start + length; at++) {
      const byte = source[at]!;
      buffer[position++] = HEX_DIGITS[byte >>> 4]!;
      buffer[position++] = HEX_DIGITS[byte & 15]!;
    }
    this.position = position;
  }

  /** A safe integer's decimal text, String(value)'s bytes, without making the string. */
  decimal(value: number): void {
    this.digits(value, decimalLength(value));
  }

  /** A safe integer as a String of its decimal text (at most 17 bytes: the length is one byte). */
  decimalString(value: number): void {
    const length = decimalLength(value);
    this.uint8(length);
    this.digits(value, length);
  }

  /** `value`'s decimal text, `length` bytes (decimalLength), written from its last digit back. */
  private digits(value: number, length: number): void {
    this.reserve(length);
    const end = this.position + length;
    let rest = value < 0 ? -value : value;
    let at = end;
    do {
      this.buffer[--at] = ZERO + (rest % 10);
      rest = Math.floor(rest / 10);
    } while (rest > 0);
    if (value < 0) this.buffer[--at] = MINUS;
    this.position = end;
  }

  /** What `source` holds, as a String. */
  rawWritten(source: RowBinaryWriter): void {
    this.rawBytes(source.buffer, 0, source.position);
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.position = 0;
  }

  /** Bytes already in RowBinary, as they are. */
  append(encoded: Uint8Array): void {
    if (encoded.length <= SHORT_COPY_BYTES) return this.appendRange(encoded, 0, encoded.length);
    // A whole array needs no view of it: the typed array's own copy, without Buffer.copy's checks.
    this.reserve(encoded.length);
    this.buffer.set(encoded, this.position);
    this.position += encoded.length;
  }

  /** How many bytes are written. */
  get length(): number {
    return this.position;
  }

  uint8(value: number): void {
    this.reserve(1);
    this.buffer[this.position++] = value;
  }

  int(value: number, bytes: 1 | 2 | 4, signed: boolean): void {
    this.reserve(bytes);
    if (signed) this.buffer.writeIntLE(value, this.position, bytes);
    else this.buffer.writeUIntLE(value, this.position, bytes);
    this.position += bytes;
  }

  /** A 64-bit integer as its low and high 32-bit halves (two's complement for a negative high half). */
  int64Halves(low: number, high: number): void {
    this.reserve(8);
    this.buffer.writeUInt32LE(low >>> 0, this.position);
    this.buffer.writeInt32LE(high | 0, this.position + 4);
    this.position += 8;
  }

  int64(value: bigint): void {
    this.reserve(8);
    this.buffer.writeBigInt64LE(BigInt.asIntN(64, value), this.position);
    this.position += 8;
  }

  float(value: number, bytes: 4 | 8): void {
    this.reserve(bytes);
    if (bytes === 8) this.buffer.writeDoubleLE(value, this.position);
    else this.buffer.writeFloatLE(value, this.position);
    this.position += bytes;
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.position);
  }

  /**
   * The bytes written so far, for the writer's last use: a view when the
   * buffer is not much larger than them, else a copy, so what is kept holds
   * no more than a quarter of unused bytes.
   */
  finish(): Buffer {
    const written = this.bytes();
    return this.buffer.length - this.position <= this.position / 4 ? written : Buffer.from(written);
  }
}

/**
 * A row already in RowBinary: its values for `columns`, in that order. Rows
 * encoded together share one `columns` array.
 */
export class EncodedRow {
  constructor(
    readonly columns: readonly string[],
    readonly bytes: Uint8Array,
  ) {}
}

/** Writes one value of a column. */
export type ColumnCodec = (writer: RowBinaryWriter, value: unknown, column: string) => void;

function badValue(column: string, value: unknown, type: string): never {
  throw new TypeError(`column ${column}: ${JSON.stringify(value) ?? String(value)} is no ${type} value`);
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_16 = 2 ** 16;

function writeSafeInteger(writer: RowBinaryWriter, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  writer.int64Halves(value - high * TWO_POW_32, high);
}

/** An integer of up to 64 bits from a number or decimal text; exact for any text, via bigint where a double is not. */
function int64Codec(type: string): ColumnCodec {
  return (writer, value, column) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) writeSafeInteger(writer, value);
    else if (typeof value === 'number' && Number.isInteger(value)) writer.int64(BigInt(value));
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) {
      if (value.length <= 15) writeSafeInteger(writer, Number(value));
      else writer.int64(BigInt(value));
    } else if (typeof value === 'bigint') writer.int64(value);
    else badValue(column, value, type);
  };
}

function smallIntCodec(type: string, bytes: 1 | 2 | 4, signed: boolean): ColumnCodec {
  return (writer, value, column) => {
    const number = typeof value === 'string' ? Number(value) : typeof value === 'boolean' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) badValue(column, value, type);
    writer.int(number, bytes, signed);
  };
}

const FLOAT_WORDS: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

function floatCodec(type: string, bytes: 4 | 8): ColumnCodec {
  return (writer, value, column) => {
    const number = typeof value === 'string' ? FLOAT_WORDS[value] : value;
    if (typeof number !== 'number') badValue(column, value, type);
    writer.float(number, bytes);
  };
}

/**
 * DateTime64(P) from "<seconds>.<fraction>" text (or whole seconds): the Int64
 * count of 10^-P seconds. For P = 9 and non-negative seconds the value is put
 * together from doubles that stay exact (each partial product < 2^53), which
 * avoids a bigint per timestamp; anything else goes through bigint.
 */
function dateTime64Codec(type: string, precision: number): ColumnCodec {
  const scale = 10n ** BigInt(precision);
  return (writer, value, column) => {
    if (typeof value !== 'string') badValue(column, value, type);
    const match = /^(-?\d+)(?:\.(\d+))?$/.exec(value);
    if (!match) badValue(column, value, type);
    const secondsText = match[1]!;
    const fraction = (match[2] ?? '').padEnd(precision, '0');
    if (fraction.length > precision) badValue(column, value, type);
    if (precision === 9 && secondsText.length <= 10 && !secondsText.startsWith('-')) {
      // seconds = sH * 2^16 + sL; total = A * 2^16 + B with A = sH * 1e9 and
      // B = sL * 1e9 + fraction; with A = aH * 2^16 + aL, total = aH * 2^32 + C
      // where C = aL * 2^16 + B. Every term stays below 2^53.
      const seconds = Number(secondsText);
      const a = Math.floor(seconds / TWO_POW_16) * 1e9;
      const b = (seconds % TWO_POW_16) * 1e9 + Number(fraction);
      const c = (a % TWO_POW_16) * TWO_POW_16 + b;
      writer.int64Halves(c % TWO_POW_32, Math.floor(a / TWO_POW_16) + Math.floor(c / TWO_POW_32));
      return;
    }
    writer.int64(BigInt(secondsText) * scale + (secondsText.startsWith('-') ? -1n : 1n) * BigInt(fraction || '0'));
  };
}

const stringCodec: ColumnCodec = (writer, value, column) => {
  if (typeof value === 'string') writer.string(value);
  else if (value instanceof Uint8Array) writer.rawString(value);
  else badValue(column, value, 'String');
};

function arrayCodec(element: ColumnCodec, type: string): ColumnCodec {
  return (writer, value, column) => {
    if (!Array.isArray(value)) badValue(column, value, type);
    writer.varUInt(value.length);
    for (const item of value) element(writer, item, column);
  };
}

function mapCodec(key: ColumnCodec, mapped: ColumnCodec, type: string): ColumnCodec {
  return (writer, value, column) => {
    if (value instanceof StoredMap) {
      writer.varUInt(value.entries.length);
      for (const [name, text] of value.entries) {
        key(writer, name, column);
        mapped(writer, text, column);
      }
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) badValue(column, value, type);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    writer.varUInt(keys.length);
    for (const name of keys) {
      key(writer, name, column);
      mapped(writer, record[name], column);
    }
  };
}

function nullableCodec(inner: ColumnCodec): ColumnCodec {
  return (writer, value, column) => {
    if (value === null) return writer.uint8(1);
    writer.uint8(0);
    inner(writer, value, column);
  };
}

/** The arguments of a type such as Map(LowCardinality(String), String), split at top-level commas. */
function typeArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

const INTS: Record<string, [1 | 2 | 4, boolean]> = {
  UInt8: [1, false], UInt16: [2, false], UInt32: [4, false], Int8: [1, true], Int16: [2, true], Int32: [4, true], Bool: [1, false],
};

/** The codec of a ClickHouse column type, as DESCRIBE TABLE names it. */
export function columnCodec(type: string): ColumnCodec {
  const open = type.indexOf('(');
  const name = open < 0 ? type : type.slice(0, open);
  const args = open < 0 ? [] : typeArguments(type.slice(open + 1, type.lastIndexOf(')')));
  if (name === 'String') return stringCodec;
  if (name === 'LowCardinality') return columnCodec(args[0]!);
  if (name === 'Nullable') return nullableCodec(columnCodec(args[0]!));
  if (name === 'Array') return arrayCodec(columnCodec(args[0]!), type);
  if (name === 'Map') return mapCodec(columnCodec(args[0]!), columnCodec(args[1]!), type);
  if (name === 'UInt64' || name === 'Int64') return int64Codec(type);
  if (name === 'Float64') return floatCodec(type, 8);
  if (name === 'Float32') return floatCodec(type, 4);
  if (name === 'DateTime64') return dateTime64Codec(type, Number(args[0]));
  const int = INTS[name];
  if (int) return smallIntCodec(type, int[0], int[1]);
  throw new UnsupportedColumnTypeError(`no RowBinary codec for column type ${type}`);
}

/**
 * Encodes rows of a table: `columns` in insert order with their codecs, as
 * the chunks of one RowBinary body. An EncodedRow goes as it is (it must have
 * been encoded for the same columns): encoded rows that lie one after the
 * other in memory, as a request's rows do, go as one chunk, not copied.
 */
export function encodeRowBinary(rows: readonly object[], columns: readonly (readonly [string, ColumnCodec])[]): Buffer[] {
  const chunks: Buffer[] = [];
  let writer: RowBinaryWriter | undefined;
  /** Where the decoded rows not yet in a chunk start in the writer. */
  let written = 0;
  /** Encoded rows not yet in a chunk: [runStart, runEnd) of runBuffer. */
  let runBuffer: ArrayBufferLike | undefined;
  let runStart = 0;
  let runEnd = 0;
  const endRun = () => {
    if (runBuffer) chunks.push(Buffer.from(runBuffer, runStart, runEnd - runStart));
    runBuffer = undefined;
  };
  const endWritten = () => {
    if (writer && writer.length > written) chunks.push(writer.bytes().subarray(written));
    written = writer?.length ?? 0;
  };
  let checked: readonly string[] | undefined;
  for (const row of rows) {
    if (row instanceof EncodedRow) {
      if (row.columns !== checked) {
        if (row.columns.length !== columns.length || row.columns.some((name, index) => name !== columns[index]![0])) {
          throw new Error(`a row encoded for columns ${row.columns.join(', ')} cannot go with columns ${columns.map(([name]) => name).join(', ')}`);
        }
        checked = row.columns;
      }
      endWritten();
      const { bytes } = row;
      if (runBuffer !== bytes.buffer || runEnd !== bytes.byteOffset) {
        endRun();
        runBuffer = bytes.buffer;
        runStart = bytes.byteOffset;
      }
      runEnd = bytes.byteOffset + bytes.byteLength;
      continue;
    }
    endRun();
    writer ??= new RowBinaryWriter();
    const values = row as Record<string, unknown>;
    for (const [column, codec] of columns) codec(writer, values[column], column);
  }
  endRun();
  endWritten();
  return chunks;
}
