// The WebAssembly encoder of otel_traces rows (wasm/trace-rows.c, built into
// dist/ by this package's Makefile): memory laid out per request, rows copied
// out. It takes the common case of what agents send; trace-row-binary.ts
// calls it first and takes any request it leaves.
import { readFileSync } from 'node:fs';

const NOT_TAKEN = -1;
const OUT_FULL = -2;
const WASM_PAGE_BYTES = 64 * 1024;
/** Where the cells and a layout's column codes go; requests start past them. */
const HEADER_BYTES = 4096;
/**
 * A module's memory only grows: requests past this (agents send under 1 MiB)
 * and rows past ROWS_MAX_BYTES are left to the JavaScript encoder, so that
 * one odd request does not hold the ingest's memory for good.
 */
const PAYLOAD_MAX_BYTES = 16 * 1024 * 1024;
const ROWS_MAX_BYTES = 64 * 1024 * 1024;

/** What this module uses of WebAssembly's API (TypeScript declares it only with the DOM's types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface Exports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  __heap_base: { readonly value: number };
  set_cells(cells: number, kinds: number, statuses: number): void;
  encode_trace_rows(payload: number, length: number, columns: number, columnCount: number, rows: number, rowsCap: number, ends: number, endsCap: number): number;
}

/** A request's rows, one after another in `bytes`, each ending at its offset in `ends`. */
export interface EncodedRows {
  bytes: Buffer;
  ends: Uint32Array;
}

/** Where a request's rows go once encoded: a buffer of `length` bytes (Buffer.allocUnsafeSlow, or a RowBufferPool's). */
export type AllocateRows = (length: number) => Buffer;

/** Encodes the rows of one otlp_proto request for one column layout; undefined for a request it leaves. */
export type WasmTraceRows = (payload: Uint8Array, columnCodes: Uint8Array, allocate?: AllocateRows) => EncodedRows | undefined;

/** Aligned up to 8 bytes. */
const align = (offset: number) => Math.ceil(offset / 8) * 8;

/**
 * The encoder, with the span kinds' and status codes' RowBinary cells (each a
 * length byte, then the name), or why it cannot run: its module was not
 * built or does not load.
 */
export function loadWasmTraceRows(kindCells: readonly Buffer[], statusCells: readonly Buffer[]): WasmTraceRows | { unavailable: string } {
  let exports: Exports;
  try {
    exports = new Instance(new Module(readFileSync(new URL('./trace-rows.wasm', import.meta.url)))).exports as Exports;
  } catch (err) {
    return { unavailable: `the WebAssembly encoder did not load (${(err as Error).message}); build it with make -C services/ingest` };
  }
  const { memory } = exports;
  const base = align(Number(exports.__heap_base.value));
  const cells = Buffer.concat([...kindCells, ...statusCells]);
  const columnsAt = base + cells.length;
  if (cells.length + 256 > HEADER_BYTES) throw new Error('span kind and status cells do not fit the WebAssembly encoder');
  const ensure = (bytes: number) => {
    const missing = bytes - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
  };
  ensure(base + HEADER_BYTES);
  new Uint8Array(memory.buffer).set(cells, base);
  exports.set_cells(base, kindCells.length, statusCells.length);
  let columnsSet: Uint8Array | undefined;

  return (payload, columnCodes, allocate = Buffer.allocUnsafeSlow) => {
    if (payload.length > PAYLOAD_MAX_BYTES) return undefined;
    if (columnsSet !== columnCodes) {
      if (columnCodes.length > 256) return undefined;
      new Uint8Array(memory.buffer).set(columnCodes, columnsAt);
      columnsSet = columnCodes;
    }
    const payloadAt = base + HEADER_BYTES;
    // A span's row is at most about twice its protobuf (hex ids, decimal ints) plus its resource's map and name.
    let rowsCap = payload.length * 3 + 64 * 1024;
    // A span takes at least its two ids in protobuf: 28 bytes.
    let endsCap = Math.ceil(payload.length / 28) + 1;
    for (;;) {
      const rowsAt = align(payloadAt + payload.length);
      const endsAt = align(rowsAt + rowsCap);
      ensure(endsAt + endsCap * 4);
      new Uint8Array(memory.buffer).set(payload, payloadAt);
      const count = exports.encode_trace_rows(payloadAt, payload.length, columnsAt, columnCodes.length, rowsAt, rowsCap, endsAt, endsCap);
      if (count === NOT_TAKEN) return undefined;
      if (count === OUT_FULL) {
        if (rowsCap * 2 > ROWS_MAX_BYTES) return undefined;
        rowsCap *= 2;
        endsCap *= 2;
        continue;
      }
      const ends = new Uint32Array(memory.buffer, endsAt, count).slice();
      const length = count === 0 ? 0 : ends[count - 1]!;
      // A request without spans takes no buffer: no row would hand it back.
      const bytes = length === 0 ? Buffer.alloc(0) : allocate(length);
      bytes.set(new Uint8Array(memory.buffer, rowsAt, length));
      return { bytes, ends };
    }
  };
}
