// The protobuf walk both straight-to-RowBinary encoders share (spans,
// trace-row-binary.ts; metric points, metric-row-binary.ts): a reader of the
// payload that protobufjs's decoder agrees with field for field, attributes as
// offsets into the payload, and attribute maps written as the Collector's
// ClickHouse exporter stores them (the decoded way's attributesAsStrings). What
// an encoder does not take throws notTaken; the caller answers undefined and
// the request goes the decoded way.
import { isUtf8 } from 'node:buffer';
import { ResourceAttr } from '@stallscope/schemas';
import { doubleText, goJsonString } from './attribute-strings.js';
import { goSortFunc } from './go-sort.js';
import { isOtlpJsonPayload } from './otlp-json.js';
import { EncodedRow, RowBinaryWriter } from './row-binary.js';

// Protobuf wire types.
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** A short text as a RowBinary String: its length byte, then its bytes. */
export const cell = (text: string) => Buffer.concat([Buffer.from([Buffer.byteLength(text)]), Buffer.from(text)]);
const TRUE_CELL = cell('true');
const FALSE_CELL = cell('false');
export const EMPTY_CELL = cell('');
const TWO_POW_32 = 2 ** 32;

/** Thrown inside the walk for what it does not take; the caller answers undefined. */
class NotTaken extends Error {}
export const notTaken = new NotTaken();

/** A position in the payload and the end of the message being read there. */
export class Reader {
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
export const WIDE = -0;

export interface Halves {
  low: number;
  high: number;
}

export const newHalves = (): Halves => ({ low: WIDE, high: WIDE });

const VALUE_EMPTY = 0;
const VALUE_STRING = 1;
const VALUE_BOOL = 2;
const VALUE_INT = 3;
const VALUE_DOUBLE = 4;
const VALUE_BYTES = 5;
const VALUE_ARRAY = 6;

/** One attribute, as offsets into the payload. */
export class Attribute {
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
export const PAIR = new Reader(Buffer.alloc(0), 0, 0);
const VALUE = new Reader(Buffer.alloc(0), 0, 0);
const ARRAY = new Reader(Buffer.alloc(0), 0, 0);
const ELEMENT = new Reader(Buffer.alloc(0), 0, 0);
export function attributeAt(pair: Reader, attribute: Attribute): Attribute {
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
export function sortAttributes(bytes: Buffer, attributes: Attribute[], count = attributes.length): void {
  let index = 1;
  while (index < count && compareKeys(bytes, attributes[index - 1]!, attributes[index]!) < 0) index++;
  if (index >= count) return;
  goSortFunc(attributes, (a, b) => compareKeys(bytes, a, b), count);
}

/** Whether an int64's halves hold a safe integer (|value| < 2^53). */
const safeHalves = (high: number) => (high | 0) >= -0x200000 && (high | 0) < 0x200000;

/** An int64 (two's complement halves) as the double nearest to it, as Number() of its bigint gives it. */
export function int64Number(low: number, high: number): number {
  return safeHalves(high) ? (high | 0) * TWO_POW_32 + low : Number(BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)));
}

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
export function writeMap(writer: RowBinaryWriter, bytes: Buffer, attributes: readonly Attribute[], count = attributes.length): void {
  writer.varUInt(count);
  for (let index = 0; index < count; index++) {
    const attribute = attributes[index]!;
    writer.rawBytes(bytes, attribute.keyStart, attribute.keyEnd);
    writeValue(writer, bytes, attribute);
  }
}

/** One attribute of a repeated KeyValue field, read in full: a value this encoder does not take is found here. */
export function readAttribute(reader: Reader, tag: number, into: Attribute[]): void {
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
export function stringField(reader: Reader, tag: number, into: [number, number] = [0, 0]): [number, number] {
  Reader.expect(tag, LEN);
  into[1] = reader.length();
  into[0] = reader.pos;
  reader.pos = into[1];
  return into;
}

export function fixed64(reader: Reader, tag: number, into: Halves): void {
  Reader.expect(tag, I64);
  reader.advance(8);
  into.low = reader.bytes.readUInt32LE(reader.pos - 8);
  into.high = reader.bytes.readUInt32LE(reader.pos - 4);
}

/** A resource's cells, written once for each of its rows: its attributes as a Map(String, String) and its service.name as a String. */
export interface ResourceCells {
  resourceMap: Buffer;
  serviceName: Buffer;
}

const SERVICE_NAME_KEY = Buffer.from(ResourceAttr.serviceName);

/** The cells of a Resource message. */
function resourceAt(resource: Reader): ResourceCells {
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

/** The cells of a request part that has no Resource. */
const NO_RESOURCE: ResourceCells = { resourceMap: Buffer.from([0]), serviceName: EMPTY_CELL };

/** A table's columns an encoder writes, in insert order, with their writers. */
export interface RowLayout<Writer> {
  readonly columns: readonly string[];
  readonly writers: readonly Writer[];
}

const withoutLowCardinality = (type: string) => type.replaceAll(/LowCardinality\(([^()]*)\)/g, '$1');

/**
 * The layout of `table` as DESCRIBE TABLE gives its stored columns, for an
 * encoder whose `known` columns each have the type it writes them as (a
 * LowCardinality wrapper aside; 'Array' for an array it always leaves empty,
 * which fits any element type); or why the encoder cannot write it. A column
 * it does not know is left out of the insert and takes its default, as with
 * the decoded way's rows.
 */
export function rowLayout<Writer>(
  table: string,
  described: readonly { name: string; type: string }[],
  known: Readonly<Record<string, readonly [type: string, write: Writer]>>,
): RowLayout<Writer> | { unsupported: string } {
  const columns: string[] = [];
  const writers: Writer[] = [];
  for (const { name, type } of described) {
    const column = known[name];
    if (!column) continue;
    const [expected, write] = column;
    const plain = withoutLowCardinality(type);
    if (expected === 'Array' ? !plain.startsWith('Array(') : plain !== expected) {
      return { unsupported: `column ${name} is ${type}; it is written for ${expected}` };
    }
    columns.push(name);
    writers.push(write);
  }
  const missing = Object.keys(known).filter((name) => !columns.includes(name));
  if (missing.length > 0) return { unsupported: `${table} has no column ${missing.join(', ')}` };
  return { columns, writers };
}

/** Rows one after another in `bytes`, each ending at its offset in `ends`, as EncodedRows of `columns`. */
export function encodedRows(bytes: Buffer, ends: ArrayLike<number>, columns: readonly string[]): EncodedRow[] {
  const rows: EncodedRow[] = [];
  let start = 0;
  for (let index = 0; index < ends.length; index++) {
    const end = ends[index]!;
    rows.push(new EncodedRow(columns, bytes.subarray(start, end)));
    start = end;
  }
  return rows;
}

/** What a ResourceSpans or ResourceMetrics message holds: its resource's cells, its schema URL and its scope parts. */
export interface ResourcePart {
  resource: ResourceCells;
  schemaUrl: [number, number];
  /** Each ScopeSpans or ScopeMetrics, to be written once the whole part is read: the resource may follow them. */
  scopes: Reader[];
}

/** A ResourceSpans or ResourceMetrics message (resource = 1, scope parts = 2, schema_url = 3). */
function resourcePartAt(fields: Reader): ResourcePart {
  const part: ResourcePart = { resource: NO_RESOURCE, schemaUrl: [0, 0], scopes: [] };
  while (fields.more()) {
    const tag = fields.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      part.resource = resourceAt(fields.sub());
    } else if (field === 2) {
      Reader.expect(tag, LEN);
      part.scopes.push(fields.sub());
    } else if (field === 3) part.schemaUrl = stringField(fields, tag);
    else fields.skip(tag & 7);
  }
  return part;
}

/** An InstrumentationScope's fields a row takes: name and version as [start, end) of the payload, and its dropped-attribute count. */
export interface ScopeFields {
  scopeName: [number, number];
  scopeVersion: [number, number];
  scopeDroppedAttributes: number;
}

/**
 * Reads an InstrumentationScope into `into`, its attributes onto
 * `attributes`. Every field is reset first: of a scope sent twice, the last
 * wins, as protobuf's decoders take a message field that is not repeated.
 */
export function scopeAt(scope: Reader, into: ScopeFields, attributes: Attribute[]): void {
  into.scopeName = [0, 0];
  into.scopeVersion = [0, 0];
  into.scopeDroppedAttributes = 0;
  while (scope.more()) {
    const tag = scope.uint32();
    const field = tag >>> 3;
    if (field === 1) into.scopeName = stringField(scope, tag);
    else if (field === 2) into.scopeVersion = stringField(scope, tag);
    else if (field === 3) readAttribute(scope, tag, attributes);
    else if (field === 4) {
      Reader.expect(tag, VARINT);
      into.scopeDroppedAttributes = scope.uint32();
    } else scope.skip(tag & 7);
  }
}

/** Whether a payload is for the protobuf walks at all: not empty, not otlp_json. */
export function takesProto(payload: Uint8Array): boolean {
  return payload.length > 0 && !isOtlpJsonPayload(payload);
}

/**
 * Walks an otlp_proto export request's resource parts (field 1 of each
 * Export*ServiceRequest) in order, `each` writing their rows; false for
 * otlp_json, an empty payload, or a request the walk does not take
 * (notTaken), whose rows are then not to be used.
 */
export function walkRequest(payload: Uint8Array, each: (part: ResourcePart) => void): boolean {
  if (!takesProto(payload)) return false;
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  try {
    const request = new Reader(bytes, 0, bytes.length);
    while (request.more()) {
      const tag = request.uint32();
      if (tag >>> 3 === 1) {
        Reader.expect(tag, LEN);
        each(resourcePartAt(request.sub()));
      } else request.skip(tag & 7);
    }
  } catch (err) {
    if (err === notTaken) return false;
    throw err;
  }
  return true;
}
