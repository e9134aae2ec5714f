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
import {
  EMPTY_CELL,
  I32,
  LEN,
  PAIR,
  Reader,
  VARINT,
  attributeAt,
  cell,
  encodedRows,
  fixed64,
  newHalves,
  notTaken,
  readAttribute,
  rowLayout,
  scopeAt,
  sortAttributes,
  stringField,
  takesProto,
  walkRequest,
  writeMap,
  Attribute,
  type ResourceCells,
  type RowLayout,
  type ScopeFields,
} from './otlp-proto-walk.js';
import { RowBinaryWriter, type EncodedRow } from './row-binary.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, Tables } from './rows.js';
import { loadWasmTraceRows, type AllocateRows } from './trace-rows-wasm.js';

const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const KIND_CELLS = SPAN_KIND_NAMES.map(cell);
const STATUS_CELLS = STATUS_CODE_NAMES.map(cell);
const wasmTraceRows = loadWasmTraceRows(KIND_CELLS, STATUS_CELLS);
/** Why spans are encoded in JavaScript only (the WebAssembly encoder not built), or undefined. */
export const wasmTraceRowsUnavailable = 'unavailable' in wasmTraceRows ? wasmTraceRows.unavailable : undefined;
/** The readers of a span being written and of its status. */
const SPAN = new Reader(Buffer.alloc(0), 0, 0);
const STATUS = new Reader(Buffer.alloc(0), 0, 0);

/** What every span of one resource and scope shares. */
interface SpanContext extends ScopeFields {
  resourceMap: Buffer;
  serviceName: Buffer;
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

/** The otel_traces columns this encoder writes and the type it writes each as (see rowLayout). */
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
export interface TraceRowLayout extends RowLayout<ColumnWriter> {
  readonly columnCodes: Uint8Array;
}

const COLUMN_CODES = new Map(Object.keys(COLUMN_WRITERS).map((name, index) => [name, index]));

/** The layout for otel_traces as DESCRIBE TABLE gives its stored columns, or why this encoder cannot write it. */
export function traceRowLayout(described: readonly { name: string; type: string }[]): TraceRowLayout | { unsupported: string } {
  const found = rowLayout(Tables.traces, described, COLUMN_WRITERS);
  if ('unsupported' in found) return found;
  return { ...found, columnCodes: Uint8Array.from(found.columns, (name) => COLUMN_CODES.get(name)!) };
}

/** The spans of one ScopeSpans, each a row. */
function scopeSpansAt(scope: Reader, layout: TraceRowLayout, resource: ResourceCells, out: RowSink): void {
  const bytes = scope.bytes;
  const context: SpanContext = { ...resource, scopeName: [0, 0], scopeVersion: [0, 0], scopeDroppedAttributes: 0 };
  // otel_traces keeps no scope attributes.
  const ignored: Attribute[] = [];
  /** Each span's [start, end) in the payload, one after another. */
  const spans: number[] = [];
  while (scope.more()) {
    const tag = scope.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      scopeAt(scope.sub(), context, ignored);
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

interface RowSink {
  writer: RowBinaryWriter;
  rowEnds: number[];
  span: SpanFields;
}

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
  return encoded && encodedRows(encoded.bytes, encoded.ends, layout.columns);
}

/** The rows as this module's JavaScript walk writes them; undefined for a request it does not take. */
export function encodeTraceRowsJs(payload: Uint8Array, layout: TraceRowLayout): EncodedRow[] | undefined {
  const out: RowSink = { writer: new RowBinaryWriter(payload.length * 2), rowEnds: [], span: new SpanFields() };
  const taken = walkRequest(payload, ({ resource, scopes }) => {
    for (const scope of scopes) scopeSpansAt(scope, layout, resource, out);
  });
  return taken ? encodedRows(out.writer.finish(), out.rowEnds, layout.columns) : undefined;
}
