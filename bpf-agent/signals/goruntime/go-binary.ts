// What the goruntime signal needs of one Go executable, read from the file
// alone: its Go version (build info), the file offsets of the runtime
// functions it probes (by symbol in .symtab, or in .gopclntab when the binary
// is stripped, then past the prologue's stack check, by its bytes) and the
// names of the runtime's reason codes (by symbol too, or found by their text
// in a stripped binary), so no offset or enum is hard-coded per Go version.
import { GO_PROBE_FUNCTIONS, type GoProbeFunction } from '@stallscope/schemas';
import { ElfFile, readGoFunctionSymbols } from '../../src/symbols/index.js';

export interface GoBinary {
  /** "go1.26.8", from .go.buildinfo. */
  goVersion: string;
  /**
   * File offsets where the probed functions are probed (see probeOffsetIn);
   * a missing symbol is absent.
   */
  probeOffsets: Partial<Record<GoProbeFunction, bigint>>;
  /** stwReason code -> name (runtime.stwReasonStrings); empty where the runtime has none (before Go 1.21). */
  stwReasons: string[];
  /** waitReason code -> name (runtime.waitReasonStrings). */
  waitReasons: string[];
}

const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** Build info flag: the version string is inline (Go 1.18 and later). */
const BUILDINFO_INLINE_STRINGS = 0x2;
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SYMBOL_SIZE = 24;
/** A Go string header: pointer and length, 8 bytes each on 64-bit targets. */
const STRING_HEADER_SIZE = 16;
const MAX_REASON_NAME = 256;

const REASON_TABLES = { stw: 'runtime.stwReasonStrings', wait: 'runtime.waitReasonStrings' } as const;
const WANTED = new Set<string>([...GO_PROBE_FUNCTIONS, ...Object.values(REASON_TABLES)]);

interface Symbol {
  value: bigint;
  size: bigint;
}

/** The Go version of an executable's build info, or undefined when it has none (not Go, or before Go 1.18). */
export function readGoVersion(elf: ElfFile): string | undefined {
  const section = elf.sections.find((s) => s.name === '.go.buildinfo');
  if (!section) return undefined;
  const data = elf.readSection(section);
  if (data.length < 33 || !data.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) return undefined;
  if ((data[15]! & BUILDINFO_INLINE_STRINGS) === 0) return undefined;
  const { value: length, next } = uvarint(data, 32);
  if (length === undefined || next + length > data.length) return undefined;
  return data.toString('utf8', next, next + length);
}

function uvarint(data: Buffer, offset: number): { value: number | undefined; next: number } {
  let value = 0;
  for (let shift = 0, at = offset; at < data.length && shift < 35; shift += 7, at++) {
    const byte = data[at]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: at + 1 };
  }
  return { value: undefined, next: offset };
}

/** The wanted symbols of .symtab (a stripped binary has none). */
function readWantedSymbols(elf: ElfFile): Map<string, Symbol> {
  const found = new Map<string, Symbol>();
  for (const table of elf.sections.filter((s) => s.type === SHT_SYMTAB)) {
    const strings = elf.sections[table.link];
    if (!strings) continue;
    const names = elf.readSection(strings);
    const symbols = elf.readSection(table);
    for (let at = 0; at + SYMBOL_SIZE <= symbols.length; at += SYMBOL_SIZE) {
      const nameOffset = symbols.readUInt32LE(at);
      // Cheap first test: the wanted names all start with "runtime.".
      if (names[nameOffset] !== 0x72 || names[nameOffset + 7] !== 0x2e) continue;
      const end = names.indexOf(0, nameOffset);
      const name = names.toString('latin1', nameOffset, end < 0 ? names.length : end);
      if (WANTED.has(name)) found.set(name, { value: symbols.readBigUInt64LE(at + 8), size: symbols.readBigUInt64LE(at + 16) });
    }
  }
  return found;
}

const EM_X86_64 = 62;
/** CMPQ SP, 0x10(R14): the stack-bound check opening a Go function on amd64. */
const CMP_SP_STACKGUARD = Buffer.from([0x49, 0x3b, 0x66, 0x10]);

/** A conditional jump (Jcc rel8 or 0F 8x rel32) at `at`. */
function isJcc(code: Buffer, at: number): boolean {
  return (code[at]! >= 0x70 && code[at]! <= 0x7f) || (code[at] === 0x0f && code[at + 1]! >= 0x80 && code[at + 1]! <= 0x8f);
}

/**
 * Where to probe a Go function on amd64: at the conditional jump of its
 * stack-bound check rather than its first instruction. The kernel emulates a
 * jump at a uprobe but must single-step any other instruction out of line (a
 * second trap): on a VM that took a channel pass from 1.5 µs to 265 µs with
 * gopark and execute probed at entry, and to 11 µs at the jump. Nothing
 * before the jump touches the argument registers, g (R14) or the stack
 * pointer, so the probe reads what it would at the entry. Prologues:
 *   CMPQ SP, 0x10(R14); JBE                               (small frames)
 *   LEAQ -N(SP), R12; CMPQ R12, 0x10|0x18(R14); JBE      (large frames)
 * Anything else is probed at its entry.
 */
export function probeDeltaIn(code: Buffer): number {
  if (code.subarray(0, 4).equals(CMP_SP_STACKGUARD) && isJcc(code, 4)) return 4;
  // LEAQ -N(SP), R12 with an 8- or 32-bit displacement: 4C 8D 64 24 d8 / 4C 8D A4 24 d32.
  const leaLength = code[0] === 0x4c && code[1] === 0x8d && code[3] === 0x24 ? (code[2] === 0x64 ? 5 : code[2] === 0xa4 ? 8 : 0) : 0;
  if (leaLength === 0) return 0;
  const cmp = code.subarray(leaLength, leaLength + 4);
  if (cmp[0] === 0x4d && cmp[1] === 0x3b && cmp[2] === 0x66 && (cmp[3] === 0x10 || cmp[3] === 0x18) && isJcc(code, leaLength + 4)) {
    return leaLength + 4;
  }
  return 0;
}

/** File offset of a virtual address, through the load segments. */
function fileOffsetOf(elf: ElfFile, address: bigint): bigint | undefined {
  const segment = elf.loadSegments.find((s) => s.vaddr <= address && address < s.vaddr + s.fileSize);
  return segment ? address - segment.vaddr + segment.offset : undefined;
}

/** Reads bytes by virtual address with positioned reads (a large binary's .rodata is never read whole). */
class AddressReader {
  constructor(private readonly elf: ElfFile) {}

  read(address: bigint, length: number): Buffer | undefined {
    const section = this.elf.sections.find((s) => s.addr !== 0n && s.type !== SHT_NOBITS && s.addr <= address && address + BigInt(length) <= s.addr + s.size);
    if (!section) return undefined;
    const data = this.elf.read(section.offset + (address - section.addr), length);
    return data.length === length ? data : undefined;
  }
}

/**
 * A [N]string array of the runtime as names by index; a string that cannot be
 * read (a position-independent binary keeps the pointers in relocations) is
 * named by its code.
 */
function readStringArray(reader: AddressReader, symbol: Symbol | undefined): string[] {
  if (!symbol) return [];
  const table = reader.read(symbol.value, Number(symbol.size));
  if (!table) return [];
  const names: string[] = [];
  for (let at = 0; at + STRING_HEADER_SIZE <= table.length; at += STRING_HEADER_SIZE) {
    const pointer = table.readBigUInt64LE(at);
    const length = Number(table.readBigUInt64LE(at + 8));
    const text = length === 0 ? Buffer.alloc(0) : length <= MAX_REASON_NAME ? reader.read(pointer, length) : undefined;
    names.push(text ? text.toString('utf8') : `reason ${at / STRING_HEADER_SIZE}`);
  }
  return names;
}

/** The wanted functions a stripped binary's .symtab lacks, from .gopclntab (which the runtime itself needs). */
function addPclntabFunctions(elf: ElfFile, symbols: Map<string, Symbol>): void {
  if (GO_PROBE_FUNCTIONS.every((fn) => symbols.has(fn))) return;
  for (const fn of readGoFunctionSymbols(elf)) {
    if (WANTED.has(fn.name) && !symbols.has(fn.name)) symbols.set(fn.name, { value: fn.start, size: fn.size });
  }
}

/**
 * How to find a reason table of a stripped binary, which keeps no data
 * symbols: a name every Go release with the table has, and the name of its
 * element 0.
 */
interface ReasonTableSearch {
  anchor: string;
  first: string;
}
/** runtime.waitReasonStrings: element 0 is waitReasonZero, the only empty name. */
const WAIT_REASONS_SEARCH: ReasonTableSearch = { anchor: 'chan receive', first: '' };
/** runtime.stwReasonStrings (Go 1.21 and later): element 0 is stwUnknown. */
const STW_REASONS_SEARCH: ReasonTableSearch = { anchor: 'GC mark termination', first: 'unknown' };
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * A [N]string array of the runtime in a stripped binary: an element pointing
 * at the anchor's text is found in .data, the array read back to its element
 * 0 and on while its elements are non-empty names; of the arrays found so,
 * the longest (the execution tracer keeps a shorter table of block reasons
 * that names "chan receive" too). [] when none is found (a
 * position-independent build keeps the pointers in relocations).
 */
function findReasonTable(elf: ElfFile, reader: AddressReader, search: ReasonTableSearch): string[] {
  const rodata = elf.sections.find((s) => s.name === '.rodata');
  const data = elf.sections.find((s) => s.name === '.data');
  if (!rodata || !data) return [];
  const text = elf.readSection(rodata);
  const anchors = new Set<bigint>();
  for (let at = text.indexOf(search.anchor); at >= 0; at = text.indexOf(search.anchor, at + 1)) anchors.add(rodata.addr + BigInt(at));
  const table = elf.readSection(data);
  const nameAt = (at: number): string | undefined => {
    if (at < 0 || at + STRING_HEADER_SIZE > table.length) return undefined;
    const length = Number(table.readBigUInt64LE(at + 8));
    if (length === 0) return '';
    const bytes = length <= MAX_REASON_NAME ? reader.read(table.readBigUInt64LE(at), length) : undefined;
    const name = bytes?.toString('latin1');
    return name !== undefined && PRINTABLE.test(name) ? name : undefined;
  };
  let longest: string[] = [];
  for (let at = 0; at + STRING_HEADER_SIZE <= table.length; at += 8) {
    if (table.readBigUInt64LE(at + 8) !== BigInt(search.anchor.length) || !anchors.has(table.readBigUInt64LE(at))) continue;
    let start = at - STRING_HEADER_SIZE;
    let name = nameAt(start);
    while (name !== undefined && name !== '' && name !== search.first) {
      start -= STRING_HEADER_SIZE;
      name = nameAt(start);
    }
    if (name !== search.first) continue;
    const names = [search.first];
    for (let next = start + STRING_HEADER_SIZE, name = nameAt(next); name !== undefined && name !== ''; next += STRING_HEADER_SIZE, name = nameAt(next)) names.push(name);
    if (names.length > longest.length) longest = names;
  }
  return longest;
}

/**
 * The Go facts of an executable, or undefined when it is not a Go program.
 * Throws when the file cannot be opened or is not ELF.
 */
export function readGoBinary(path: string): GoBinary | undefined {
  const elf = ElfFile.open(path);
  try {
    const goVersion = readGoVersion(elf);
    if (goVersion === undefined) return undefined;
    const symbols = readWantedSymbols(elf);
    addPclntabFunctions(elf, symbols);
    const probeOffsets: Partial<Record<GoProbeFunction, bigint>> = {};
    const amd64 = elf.read(18n, 2).readUInt16LE(0) === EM_X86_64;
    for (const fn of GO_PROBE_FUNCTIONS) {
      const symbol = symbols.get(fn);
      const offset = symbol && fileOffsetOf(elf, symbol.value);
      if (offset === undefined || offset === 0n) continue;
      probeOffsets[fn] = amd64 ? offset + BigInt(probeDeltaIn(elf.read(offset, 16))) : offset;
    }
    const reader = new AddressReader(elf);
    return {
      goVersion,
      probeOffsets,
      stwReasons: symbols.has(REASON_TABLES.stw) ? readStringArray(reader, symbols.get(REASON_TABLES.stw)) : findReasonTable(elf, reader, STW_REASONS_SEARCH),
      waitReasons: symbols.has(REASON_TABLES.wait) ? readStringArray(reader, symbols.get(REASON_TABLES.wait)) : findReasonTable(elf, reader, WAIT_REASONS_SEARCH),
    };
  } finally {
    elf.close();
  }
}

/** The minor version of a Go 1 release ("go1.26.8" -> 26); undefined for a development build. */
export function goMinorVersion(goVersion: string): number | undefined {
  const match = /^go1\.(\d+)/.exec(goVersion);
  return match ? Number(match[1]) : undefined;
}
