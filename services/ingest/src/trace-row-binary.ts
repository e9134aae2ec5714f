// otel_traces rows straight from an otlp_proto ExportTraceServiceRequest.
// Protobuf and RowBinary both carry a string as its UTF-8 bytes, so names and
// attribute values are copied across, with no decoded request, row objects or
// JS strings in between: those are most of what the decoded way costs a span
// (docs/benchmarks.md, ingest). It takes what agents send: attribute values
// that are scalars or arrays of scalars, and spans without events or links. Anything else, and
// anything malformed, gives undefined, and the request goes the decoded way
// (decodeExportTraceServiceRequest + traceRows), which also tells what is wrong
// with a bad one. Both ways write the same bytes (trace-row-binary.test.ts).
// The common case of agents' requests is first tried in WebAssembly
// (wasm/trace-rows.c, at about 0.6x this walk's CPU); this walk takes what
// that encoder leaves, by the same rules.
import { isUtf8 } from 'node:buffer';
import { ResourceAttr } from '@stallscope/schemas';
import { doubleText, goJsonString } from './attribute-strings.js';
import { goSortFunc } from './go-sort.js';
import { isOtlpJsonPayload } from './otlp-json.js';
import { EncodedRow, RowBinaryWriter } from './row-binary.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from './rows.js';
import { loadWasmTraceRows, type AllocateRows } from './trace-rows-wasm.js';

// Protobuf wire types.
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const SERVICE_NAME_KEY = Buffer.from(ResourceAttr.serviceName);
/** A short text as a RowBinary String: its length byte, then its bytes. */
const cell = (text: string) => Buffer.concat([Buffer.from([Buffer.byteLength(text)]), Buffer.from(text)]);
const TRUE_CELL = cell('true');
const FALSE_CELL = cell('false');
const EMPTY_CELL = cell('');
const KIND_CELLS = SPAN_KIND_NAMES.map(cell);
const STATUS_CELLS = STATUS_CODE_NAMES.map(cell);
const wasmTraceRows = loadWasmTraceRows(KIND_CELLS, STATUS_CELLS);
/** Why spans are encoded in JavaScript only (the WebAssembly encoder not built), or undefined. */
export const wasmTraceRowsUnavailable = 'unavailable' in wasmTraceRows ? wasmTraceRows.unavailable : undefined;
const TWO_POW_32 = 2 ** 32;

/** Thrown inside the walk for what it does not take; the caller answers undefined. */
class NotTaken extends Error {}
const notTaken = new NotTaken();

/** A position in the payload and the end of the message being read there. */
class Reader {
  constructor(
    public bytes: Buffer,
    public pos: number,
    public end: number,
  ) {}

  more(): boolean {
    return this.pos < this.end;
  }

  /**
   * A varint's low 32 bits, read as protobufjs reads uint32, enum and bool
   * fields and tags: past its fifth byte, five more bytes are passed over
   * unread.
   */
  uint32(): number {
    // Tags and most lengths are one byte.
    if (this.pos < this.end && this.bytes[this.pos]! < 0x80) return this.bytes[this.pos++]!;
    let value = 0;
    for (let index = 0; index < 5; index++) {
      if (this.pos >= this.end) throw notTaken;
      const byte = this.bytes[this.pos++]!;
      value = (value | ((byte & 0x7f) << (7 * index))) >>> 0;
      if (byte < 0x80) return value;
    }
    this.advance(5);
    return value;
  }

  /** A 64-bit varint as its low and high 32-bit halves (unsigned), into `into`. */
  varint64(into: Halves): void {
    let low = 0;
    let high = 0;
    for (let index = 0; index < 10; index++) {
      if (this.pos >= this.end) throw notTaken;
      const byte = this.bytes[this.pos++]!;
      const bits = byte & 0x7f;
      if (index < 4) low |= bits << (7 * index);
      else if (index === 4) {
        low |= (bits & 0x0f) << 28;
        high |= bits >>> 4;
      } else high |= bits << (7 * index - 32);
      if (byte < 0x80) {
        into.low = low >>> 0;
        into.high = high >>> 0;
        return;
      }
    }
    throw notTaken;
  }

  /** A length-delimited field: its end, with pos at its first byte. */
  length(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) throw notTaken;
    return end;
  }

  /** A length-delimited field as a reader of its own; this one moves past it. */
  sub(): Reader {
    return this.subInto(new Reader(this.bytes, 0, 0));
  }

  /** sub(), into a reader that is reused: one per level of the attribute walk, which runs a million times a second. */
  subInto(field: Reader): Reader {
    const end = this.length();
    field.bytes = this.bytes;
    field.pos = this.pos;
    field.end = end;
    this.pos = end;
    return field;
  }

  /** An unknown field, passed over as protobufjs's skipType does (a group is not taken). */
  skip(wireType: number): void {
    if (wireType === VARINT) {
      do {
        if (this.pos >= this.end) throw notTaken;
      } while (this.bytes[this.pos++]! >= 0x80);
    }
    else if (wireType === I64) this.advance(8);
    else if (wireType === LEN) this.pos = this.length();
    else if (wireType === I32) this.advance(4);
    else throw notTaken;
  }

  advance(bytes: number): void {
    if (this.pos + bytes > this.end) throw notTaken;
    this.pos += bytes;
  }

  /**
   * Not taken unless a field has its declared wire type: protobufjs reads a
   * known field as declared whatever wire type the tag says.
   */
  static expect(tag: number, expected: number): void {
    if ((tag & 7) !== expected) throw notTaken;
  }

  /** A known field this encoder has no use for, checked for its declared wire type. */
  skipKnown(tag: number, expected: number): void {
    Reader.expect(tag, expected);
    this.skip(expected);
  }
}

/**
 * Fields that may hold a uint32 past 2^31 or a double start as -0, a double:
 * created holding small integers, V8 would widen each field's representation
 * at its first large value and then move every later object off the old
 * shape one by one (a fifth of the encoder's time on a large drain).
 */
const WIDE = -0;

interface Halves {
  low: number;
  high: number;
}

const newHalves = (): Halves => ({ low: WIDE, high: WIDE });

const VALUE_EMPTY = 0;
const VALUE_STRING = 1;
const VALUE_BOOL = 2;
const VALUE_INT = 3;
const VALUE_DOUBLE = 4;
const VALUE_BYTES = 5;
const VALUE_ARRAY = 6;

/** One attribute, as offsets into the payload. */
class Attribute {
  keyStart = 0;
  keyEnd = 0;
  kind = VALUE_EMPTY;
  /** Of a string, bytes or array value. */
  valueStart = 0;
  valueEnd = 0;
  /** Of a bool (low only) or int value; of an array, NON_FINITE or 0. */
  low = WIDE;
  high = WIDE;
  double = WIDE;

  clear(): void {
    this.keyStart = this.keyEnd = this.valueStart = this.valueEnd = 0;
    this.kind = VALUE_EMPTY;
    this.low = this.high = this.double = 0;
  }
}

/** The readers of the attribute walk's levels: a KeyValue, its AnyValue, an ArrayValue, an element's AnyValue. */
const PAIR = new Reader(Buffer.alloc(0), 0, 0);
const VALUE = new Reader(Buffer.alloc(0), 0, 0);
const ARRAY = new Reader(Buffer.alloc(0), 0, 0);
const ELEMENT = new Reader(Buffer.alloc(0), 0, 0);
/** The readers of a span being written and of its status. */
const SPAN = new Reader(Buffer.alloc(0), 0, 0);
const STATUS = new Reader(Buffer.alloc(0), 0, 0);

function attributeAt(pair: Reader, attribute: Attribute): Attribute {
  attribute.clear();
  while (pair.more()) {
    const tag = pair.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      attribute.keyEnd = pair.length();
      attribute.keyStart = pair.pos;
      pair.pos = attribute.keyEnd;
    } else if (field === 2) {
      Reader.expect(tag, LEN);
      anyValueAt(pair.subInto(VALUE), attribute);
    } else pair.skip(tag & 7);
  }
  return attribute;
}

const halves = newHalves();

/**
 * An AnyValue that is empty, a scalar or (not inside an array) an array;
 * maps and a value set twice are not taken.
 */
function anyValueAt(value: Reader, into: Attribute, inArray = false): void {
  into.kind = VALUE_EMPTY;
  let members = 0;
  while (value.more()) {
    const tag = value.uint32();
    const field = tag >>> 3;
    if (field === 1 || field === 7) {
      Reader.expect(tag, LEN);
      into.valueEnd = value.length();
      into.valueStart = value.pos;
      into.kind = field === 1 ? VALUE_STRING : VALUE_BYTES;
      value.pos = into.valueEnd;
    } else if (field === 2) {
      Reader.expect(tag, VARINT);
      into.low = value.uint32();
      into.kind = VALUE_BOOL;
    } else if (field === 3) {
      Reader.expect(tag, VARINT);
      value.varint64(halves);
      into.low = halves.low;
      into.high = halves.high;
      into.kind = VALUE_INT;
    } else if (field === 4) {
      Reader.expect(tag, I64);
      value.advance(8);
      into.double = value.bytes.readDoubleLE(value.pos - 8);
      into.kind = VALUE_DOUBLE;
    } else if (field === 5) {
      Reader.expect(tag, LEN);
      if (inArray) throw notTaken;
      const array = value.subInto(ARRAY);
      into.valueStart = array.pos;
      into.valueEnd = array.end;
      into.kind = VALUE_ARRAY;
      into.low = scalarElements(array);
    } else if (field === 6) throw notTaken;
    else {
      value.skip(tag & 7);
      continue;
    }
    if (++members > 1) throw notTaken;
  }
}

const element = new Attribute();

/** An array holding a NaN or an infinity anywhere, which Go's JSON cannot write: the exporter stores "". */
const NON_FINITE = 1;

/**
 * An ArrayValue of elements this encoder renders (empty, UTF-8 strings,
 * bools, ints, doubles, bytes; nested values are the decoded way's): whether
 * one is NON_FINITE.
 */
function scalarElements(array: Reader): number {
  let nonFinite = 0;
  while (array.more()) {
    const tag = array.uint32();
    if (tag >>> 3 !== 1) {
      array.skip(tag & 7);
      continue;
    }
    Reader.expect(tag, LEN);
    anyValueAt(array.subInto(ELEMENT), element, true);
    if (element.kind === VALUE_DOUBLE && !Number.isFinite(element.double)) nonFinite = NON_FINITE;
    if (element.kind === VALUE_STRING) requireUtf8(array.bytes, element.valueStart, element.valueEnd);
  }
  return nonFinite;
}

const JSON_NULL = Buffer.from('null');
const JSON_TRUE = Buffer.from('true');
const JSON_FALSE = Buffer.from('false');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Lead byte of U+2028 and U+2029, which Go's encoding/json escapes. */
const E2 = 0xe2;

/** Whether a UTF-8 string goes into JSON as it is, between quotes. */
function plainJsonString(bytes: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at++) {
    const byte = bytes[at]!;
    if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH || byte === E2) return false;
  }
  return true;
}

const jsonText = new RowBinaryWriter(4096);
const JSON_ARRAY = new Reader(Buffer.alloc(0), 0, 0);

/** An array of scalars as the exporter renders it: Go's JSON (anyValueAsString of the decoded way), into jsonText. */
function arrayJson(bytes: Buffer, start: number, end: number): void {
  jsonText.reset();
  jsonText.append(OPEN_BRACKET);
  const array = JSON_ARRAY;
  array.bytes = bytes;
  array.pos = start;
  array.end = end;
  let first = true;
  while (array.more()) {
    const tag = array.uint32();
    if (tag >>> 3 !== 1) {
      array.skip(tag & 7);
      continue;
    }
    anyValueAt(array.subInto(ELEMENT), element, true);
    if (!first) jsonText.append(COMMA);
    first = false;
    switch (element.kind) {
      case VALUE_STRING:
        if (plainJsonString(bytes, element.valueStart, element.valueEnd)) {
          jsonText.append(QUOTE_TEXT);
          jsonText.appendRange(bytes, element.valueStart, element.valueEnd);
          jsonText.append(QUOTE_TEXT);
        } else jsonText.append(Buffer.from(goJsonString(bytes.toString('utf8', element.valueStart, element.valueEnd))));
        break;
      case VALUE_BOOL:
        jsonText.append(element.low !== 0 ? JSON_TRUE : JSON_FALSE);
        break;
      case VALUE_INT:
        if (safeHalves(element.high)) jsonText.decimal((element.high | 0) * TWO_POW_32 + element.low);
        else jsonText.append(Buffer.from(int64Text(element.low, element.high)));
        break;
      case VALUE_DOUBLE:
        jsonText.append(Buffer.from(doubleText(element.double)));
        break;
      case VALUE_BYTES:
        // pdata's empty byte slice is nil, which Go writes as null.
        if (element.valueEnd === element.valueStart) jsonText.append(JSON_NULL);
        else jsonText.append(Buffer.from(`"${bytes.toString('base64', element.valueStart, element.valueEnd)}"`));
        break;
      default:
        jsonText.append(JSON_NULL);
    }
  }
  jsonText.append(CLOSE_BRACKET);
}

const OPEN_BRACKET = Buffer.from('[');
const CLOSE_BRACKET = Buffer.from(']');
const COMMA = Buffer.from(',');
const QUOTE_TEXT = Buffer.from('"');

/** Two byte ranges of one buffer in byte order (Buffer.compare's order, without its per-call cost). */
function compareRanges(bytes: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let index = 0; index < length; index++) {
    const difference = bytes[aStart + index]! - bytes[bStart + index]!;
    if (difference !== 0) return difference;
  }
  return aEnd - aStart - (bEnd - bStart);
}

const compareKeys = (bytes: Buffer, a: Attribute, b: Attribute) => compareRanges(bytes, a.keyStart, a.keyEnd, b.keyStart, b.keyEnd);

/**
 * The first `count` attributes in the order the Collector's exporter stores
 * them: sorted by key bytes with Go's sort. Keys sent in strictly increasing
 * order (the agent sends them so) are that order already: with no two keys
 * equal, any sort gives it.
 */
function sortAttributes(bytes: Buffer, attributes: Attribute[], count = attributes.length): void {
  let index = 1;
  while (index < count && compareKeys(bytes, attributes[index - 1]!, attributes[index]!) < 0) index++;
  if (index >= count) return;
  goSortFunc(attributes, (a, b) => compareKeys(bytes, a, b), count);
}

/** Whether an int64's halves hold a safe integer (|value| < 2^53). */
const safeHalves = (high: number) => (high | 0) >= -0x200000 && (high | 0) < 0x200000;

/** An int64 (two's complement halves) as decimal text, past 2^53 (a bigint's). */
function int64Text(low: number, high: number): string {
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)).toString();
}

/** A value as the Collector's exporter renders it (anyValueAsString of the decoded way). */
function writeValue(writer: RowBinaryWriter, bytes: Buffer, attribute: Attribute): void {
  switch (attribute.kind) {
    case VALUE_STRING:
      writer.rawBytes(bytes, attribute.valueStart, attribute.valueEnd);
      return;
    case VALUE_BOOL:
      writer.append(attribute.low !== 0 ? TRUE_CELL : FALSE_CELL);
      return;
    case VALUE_INT:
      if (safeHalves(attribute.high)) writer.decimalString((attribute.high | 0) * TWO_POW_32 + attribute.low);
      else writer.string(int64Text(attribute.low, attribute.high));
      return;
    case VALUE_DOUBLE:
      writer.string(doubleText(attribute.double));
      return;
    case VALUE_BYTES:
      writer.string(bytes.toString('base64', attribute.valueStart, attribute.valueEnd));
      return;
    case VALUE_ARRAY: {
      if (attribute.low === NON_FINITE) return writer.varUInt(0);
      arrayJson(bytes, attribute.valueStart, attribute.valueEnd);
      writer.rawWritten(jsonText);
      return;
    }
    default:
      writer.varUInt(0);
  }
}

/** The first `count` attributes as a Map(String, String). */
function writeMap(writer: RowBinaryWriter, bytes: Buffer, attributes: readonly Attribute[], count = attributes.length): void {
  writer.varUInt(count);
  for (let index = 0; index < count; index++) {
    const attribute = attributes[index]!;
    writer.rawBytes(bytes, attribute.keyStart, attribute.keyEnd);
    writeValue(writer, bytes, attribute);
  }
}

/** One attribute of a repeated KeyValue field, read in full: a value this encoder does not take is found here. */
function readAttribute(reader: Reader, tag: number, into: Attribute[]): void {
  Reader.expect(tag, LEN);
  into.push(attributeAt(reader.subInto(PAIR), new Attribute()));
}

function requireUtf8(bytes: Buffer, start: number, end: number): void {
  for (let at = start; at < end; at++) {
    if (bytes[at]! >= 0x80) {
      if (!isUtf8(bytes.subarray(start, end))) throw notTaken;
      return;
    }
  }
}

/** A byte range of the payload: a string field, stored as the bytes sent (UTF-8 or not, as the decoded way stores it). */
function stringField(reader: Reader, tag: number, into: [number, number] = [0, 0]): [number, number] {
  Reader.expect(tag, LEN);
  into[1] = reader.length();
  into[0] = reader.pos;
  reader.pos = into[1];
  return into;
}

/** What every span of one resource and scope shares. */
interface SpanContext {
  resourceMap: Buffer;
  serviceName: Buffer;
  scopeName: [number, number];
  scopeVersion: [number, number];
}

/** One span's fields, as offsets into the payload: one object for every span of a request, reset() for the next (its attribute objects are used again). */
class SpanFields {
  traceId = -1;
  spanId = -1;
  parentStart = 0;
  parentEnd = 0;
  readonly traceState: [number, number] = [0, 0];
  readonly name: [number, number] = [0, 0];
  kind = 0;
  start = newHalves();
  end = newHalves();
  /**
   * The span's attributes are the first attributeCount: the objects past them
   * are earlier spans', used again. (Truncating the array would drop its
   * storage, to be grown again span after span.)
   */
  readonly attributes: Attribute[] = [];
  attributeCount = 0;
  readonly statusMessage: [number, number] = [0, 0];
  statusCode = 0;

  reset(): void {
    this.traceId = -1;
    this.spanId = -1;
    this.parentStart = this.parentEnd = 0;
    this.traceState[0] = this.traceState[1] = 0;
    this.name[0] = this.name[1] = 0;
    this.kind = 0;
    this.start.low = this.start.high = this.end.low = this.end.high = 0;
    this.attributeCount = 0;
    this.statusMessage[0] = this.statusMessage[1] = 0;
    this.statusCode = 0;
  }

  /** The object for the next attribute: an earlier span's at its index, or a new one. */
  nextAttribute(): Attribute {
    return (this.attributes[this.attributeCount++] ??= new Attribute());
  }
}

function fixed64(reader: Reader, tag: number, into: Halves): void {
  Reader.expect(tag, I64);
  reader.advance(8);
  into.low = reader.bytes.readUInt32LE(reader.pos - 8);
  into.high = reader.bytes.readUInt32LE(reader.pos - 4);
}

/** An id field: exactly `length` bytes and not all zeros (the decoded way rejects anything else). */
function idField(reader: Reader, tag: number, length: number): number {
  Reader.expect(tag, LEN);
  const end = reader.length();
  const start = reader.pos;
  if (end - start !== length) throw notTaken;
  reader.pos = end;
  for (let at = start; at < end; at++) if (reader.bytes[at] !== 0) return start;
  throw notTaken;
}

function statusAt(status: Reader, span: SpanFields): void {
  // A second status replaces the first, as protobufjs decodes it.
  span.statusMessage[0] = span.statusMessage[1] = 0;
  span.statusCode = 0;
  while (status.more()) {
    const tag = status.uint32();
    const field = tag >>> 3;
    if (field === 2) stringField(status, tag, span.statusMessage);
    else if (field === 3) {
      Reader.expect(tag, VARINT);
      span.statusCode = status.uint32() | 0;
    } else status.skip(tag & 7);
  }
}

function spanAt(fields: Reader, span: SpanFields): void {
  span.reset();
  while (fields.more()) {
    const tag = fields.uint32();
    switch (tag >>> 3) {
      case 1:
        span.traceId = idField(fields, tag, TRACE_ID_BYTES);
        break;
      case 2:
        span.spanId = idField(fields, tag, SPAN_ID_BYTES);
        break;
      case 3:
        stringField(fields, tag, span.traceState);
        break;
      case 4: {
        Reader.expect(tag, LEN);
        span.parentEnd = fields.length();
        span.parentStart = fields.pos;
        const length = span.parentEnd - span.parentStart;
        if (length !== 0 && length !== SPAN_ID_BYTES) throw notTaken;
        fields.pos = span.parentEnd;
        break;
      }
      case 5:
        stringField(fields, tag, span.name);
        break;
      case 6:
        Reader.expect(tag, VARINT);
        span.kind = fields.uint32() | 0;
        break;
      case 7:
        fixed64(fields, tag, span.start);
        break;
      case 8:
        fixed64(fields, tag, span.end);
        break;
      case 9:
        Reader.expect(tag, LEN);
        attributeAt(fields.subInto(PAIR), span.nextAttribute());
        break;
      case 11:
      case 13:
        // Events and links: the decoded way.
        throw notTaken;
      case 15:
        Reader.expect(tag, LEN);
        statusAt(fields.subInto(STATUS), span);
        break;
      case 10:
      case 12:
      case 14:
        fields.skipKnown(tag, VARINT);
        break;
      case 16:
        fields.skipKnown(tag, I32);
        break;
      default:
        fields.skip(tag & 7);
    }
  }
  if (span.traceId < 0 || span.spanId < 0) throw notTaken;
  const { start, end: finish } = span;
  if (finish.high < start.high || (finish.high === start.high && finish.low < start.low)) throw notTaken;
}

function writeParentId(writer: RowBinaryWriter, bytes: Buffer, span: SpanFields): void {
  for (let at = span.parentStart; at < span.parentEnd; at++) {
    if (bytes[at] !== 0) return writer.hex(bytes, span.parentStart, SPAN_ID_BYTES);
  }
  writer.varUInt(0);
}

type ColumnWriter = (writer: RowBinaryWriter, bytes: Buffer, span: SpanFields, context: SpanContext) => void;

const emptyArray: ColumnWriter = (writer) => writer.varUInt(0);

/**
 * The otel_traces columns this encoder writes and the type it writes each as
 * (a LowCardinality wrapper aside; an array is always empty here, so any
 * element type fits).
 */
const COLUMN_WRITERS: Record<string, readonly [type: string, write: ColumnWriter]> = {
  Timestamp: ['DateTime64(9)', (writer, _bytes, span) => writer.int64Halves(span.start.low, span.start.high)],
  TraceId: ['String', (writer, bytes, span) => writer.hex(bytes, span.traceId, TRACE_ID_BYTES)],
  SpanId: ['String', (writer, bytes, span) => writer.hex(bytes, span.spanId, SPAN_ID_BYTES)],
  ParentSpanId: ['String', (writer, bytes, span) => writeParentId(writer, bytes, span)],
  TraceState: ['String', (writer, bytes, span) => writer.rawBytes(bytes, span.traceState[0], span.traceState[1])],
  SpanName: ['String', (writer, bytes, span) => writer.rawBytes(bytes, span.name[0], span.name[1])],
  SpanKind: ['String', (writer, _bytes, span) => writer.append(KIND_CELLS[span.kind] ?? EMPTY_CELL)],
  ServiceName: ['String', (writer, _bytes, _span, context) => writer.append(context.serviceName)],
  ResourceAttributes: ['Map(String, String)', (writer, _bytes, _span, context) => writer.append(context.resourceMap)],
  ScopeName: ['String', (writer, bytes, _span, context) => writer.rawBytes(bytes, context.scopeName[0], context.scopeName[1])],
  ScopeVersion: ['String', (writer, bytes, _span, context) => writer.rawBytes(bytes, context.scopeVersion[0], context.scopeVersion[1])],
  SpanAttributes: ['Map(String, String)', (writer, bytes, span) => writeMap(writer, bytes, span.attributes, span.attributeCount)],
  Duration: [
    'UInt64',
    (writer, _bytes, { start, end }) => {
      const borrow = end.low < start.low ? 1 : 0;
      writer.int64Halves((end.low - start.low) >>> 0, (end.high - start.high - borrow) >>> 0);
    },
  ],
  StatusCode: ['String', (writer, _bytes, span) => writer.append(STATUS_CELLS[span.statusCode] ?? EMPTY_CELL)],
  StatusMessage: ['String', (writer, bytes, span) => writer.rawBytes(bytes, span.statusMessage[0], span.statusMessage[1])],
  'Events.Timestamp': ['Array', emptyArray],
  'Events.Name': ['Array', emptyArray],
  'Events.Attributes': ['Array', emptyArray],
  'Links.TraceId': ['Array', emptyArray],
  'Links.SpanId': ['Array', emptyArray],
  'Links.TraceState': ['Array', emptyArray],
  'Links.Attributes': ['Array', emptyArray],
};

/** The columns of an encoded row, in insert order, with their writers and their codes (their index in COLUMN_WRITERS, as the WebAssembly encoder numbers them). */
export interface TraceRowLayout {
  readonly columns: readonly string[];
  readonly writers: readonly ColumnWriter[];
  readonly columnCodes: Uint8Array;
}

const COLUMN_CODES = new Map(Object.keys(COLUMN_WRITERS).map((name, index) => [name, index]));

const withoutLowCardinality = (type: string) => type.replaceAll(/LowCardinality\(([^()]*)\)/g, '$1');

/**
 * The layout for otel_traces as DESCRIBE TABLE gives its stored columns, or
 * why this encoder cannot write it. A column it does not know is left out of
 * the insert and takes its default, as with the decoded way's rows.
 */
export function traceRowLayout(described: readonly { name: string; type: string }[]): TraceRowLayout | { unsupported: string } {
  const columns: string[] = [];
  const writers: ColumnWriter[] = [];
  for (const { name, type } of described) {
    const known = COLUMN_WRITERS[name];
    if (!known) continue;
    const [expected, write] = known;
    const plain = withoutLowCardinality(type);
    if (expected === 'Array' ? !plain.startsWith('Array(') : plain !== expected) {
      return { unsupported: `column ${name} is ${type}; spans are written for ${expected}` };
    }
    columns.push(name);
    writers.push(write);
  }
  const missing = Object.keys(COLUMN_WRITERS).filter((name) => !columns.includes(name));
  if (missing.length > 0) return { unsupported: `otel_traces has no column ${missing.join(', ')}` };
  return { columns, writers, columnCodes: Uint8Array.from(columns, (name) => COLUMN_CODES.get(name)!) };
}

function scopeAt(scope: Reader, context: SpanContext): void {
  const ignored: Attribute[] = [];
  while (scope.more()) {
    const tag = scope.uint32();
    const field = tag >>> 3;
    if (field === 1) context.scopeName = stringField(scope, tag);
    else if (field === 2) context.scopeVersion = stringField(scope, tag);
    else if (field === 3) readAttribute(scope, tag, ignored);
    else if (field === 4) scope.skipKnown(tag, VARINT);
    else scope.skip(tag & 7);
  }
}

/** The spans of one ScopeSpans, each a row. */
function scopeSpansAt(scope: Reader, layout: TraceRowLayout, resource: Pick<SpanContext, 'resourceMap' | 'serviceName'>, out: RowSink): void {
  const bytes = scope.bytes;
  const context: SpanContext = { ...resource, scopeName: [0, 0], scopeVersion: [0, 0] };
  /** Each span's [start, end) in the payload, one after another. */
  const spans: number[] = [];
  while (scope.more()) {
    const tag = scope.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      // Last one wins, as protobuf's decoders take a repeated message field that is not repeated.
      Reader.expect(tag, LEN);
      context.scopeName = [0, 0];
      context.scopeVersion = [0, 0];
      scopeAt(scope.sub(), context);
    } else if (field === 2) {
      // Spans are written once the whole scope is read: a scope may follow them.
      Reader.expect(tag, LEN);
      const end = scope.length();
      spans.push(scope.pos, end);
      scope.pos = end;
    } else if (field === 3) scope.skipKnown(tag, LEN);
    else scope.skip(tag & 7);
  }
  const span = out.span;
  for (let index = 0; index < spans.length; index += 2) {
    SPAN.bytes = bytes;
    SPAN.pos = spans[index]!;
    SPAN.end = spans[index + 1]!;
    spanAt(SPAN, span);
    sortAttributes(bytes, span.attributes, span.attributeCount);
    const writers = layout.writers;
    for (let column = 0; column < writers.length; column++) writers[column]!(out.writer, bytes, span, context);
    out.rowEnds.push(out.writer.length);
  }
}

function resourceAt(resource: Reader): Pick<SpanContext, 'resourceMap' | 'serviceName'> {
  const bytes = resource.bytes;
  const attributes: Attribute[] = [];
  while (resource.more()) {
    const tag = resource.uint32();
    if (tag >>> 3 === 1) readAttribute(resource, tag, attributes);
    else if (tag >>> 3 === 2) resource.skipKnown(tag, VARINT);
    else resource.skip(tag & 7);
  }
  // pcommon.Map.Get: the first entry of the key, in the order sent.
  const service = attributes.find((attribute) => SERVICE_NAME_KEY.equals(bytes.subarray(attribute.keyStart, attribute.keyEnd)));
  const serviceWriter = new RowBinaryWriter(64);
  if (service) writeValue(serviceWriter, bytes, service);
  else serviceWriter.varUInt(0);
  sortAttributes(bytes, attributes);
  const mapWriter = new RowBinaryWriter(1024);
  writeMap(mapWriter, bytes, attributes);
  return { resourceMap: Buffer.from(mapWriter.bytes()), serviceName: Buffer.from(serviceWriter.bytes()) };
}

interface RowSink {
  writer: RowBinaryWriter;
  rowEnds: number[];
  span: SpanFields;
}

const NO_RESOURCE = { resourceMap: Buffer.from([0]), serviceName: EMPTY_CELL };

function resourceSpansAt(fields: Reader, layout: TraceRowLayout, out: RowSink): void {
  let resource: Pick<SpanContext, 'resourceMap' | 'serviceName'> = NO_RESOURCE;
  const scopes: Reader[] = [];
  while (fields.more()) {
    const tag = fields.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      resource = resourceAt(fields.sub());
    } else if (field === 2) {
      // Written once the whole resource is read: the resource may follow its scopes.
      Reader.expect(tag, LEN);
      scopes.push(fields.sub());
    } else if (field === 3) fields.skipKnown(tag, LEN);
    else fields.skip(tag & 7);
  }
  for (const scope of scopes) scopeSpansAt(scope, layout, resource, out);
}

/** Rows one after another in `bytes`, each ending at its offset in `ends`, as EncodedRows. */
function rowsOf(bytes: Buffer, ends: ArrayLike<number>, layout: TraceRowLayout): EncodedRow[] {
  const rows: EncodedRow[] = [];
  let start = 0;
  for (let index = 0; index < ends.length; index++) {
    const end = ends[index]!;
    rows.push(new EncodedRow(layout.columns, bytes.subarray(start, end)));
    start = end;
  }
  return rows;
}

const takesProto = (payload: Uint8Array) => payload.length > 0 && !isOtlpJsonPayload(payload);

/**
 * The otel_traces rows of an otlp_proto ExportTraceServiceRequest, encoded for
 * `layout`; undefined for a request neither the WebAssembly encoder nor this
 * one takes (see the top). The WebAssembly encoder's rows go into a buffer
 * from `allocate` if given.
 */
export function encodeTraceRows(payload: Uint8Array, layout: TraceRowLayout, allocate?: AllocateRows): EncodedRow[] | undefined {
  return encodeTraceRowsWasm(payload, layout, allocate) ?? encodeTraceRowsJs(payload, layout);
}

/**
 * The rows as the WebAssembly encoder writes them, into a buffer from
 * `allocate` if given; undefined for a request it leaves, or when it is not built.
 */
export function encodeTraceRowsWasm(payload: Uint8Array, layout: TraceRowLayout, allocate?: AllocateRows): EncodedRow[] | undefined {
  if ('unavailable' in wasmTraceRows || !takesProto(payload)) return undefined;
  const encoded = wasmTraceRows(payload, layout.columnCodes, allocate);
  return encoded && rowsOf(encoded.bytes, encoded.ends, layout);
}

/** The rows as this module's JavaScript walk writes them; undefined for a request it does not take. */
export function encodeTraceRowsJs(payload: Uint8Array, layout: TraceRowLayout): EncodedRow[] | undefined {
  if (!takesProto(payload)) return undefined;
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: RowSink = { writer: new RowBinaryWriter(payload.length * 2), rowEnds: [], span: new SpanFields() };
  try {
    const request = new Reader(bytes, 0, bytes.length);
    while (request.more()) {
      const tag = request.uint32();
      if (tag >>> 3 === 1) {
        Reader.expect(tag, LEN);
        resourceSpansAt(request.sub(), layout, out);
      } else request.skip(tag & 7);
    }
  } catch (err) {
    if (err === notTaken) return undefined;
    throw err;
  }
  return rowsOf(out.writer.finish(), out.rowEnds, layout);
}
