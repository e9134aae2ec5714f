// A minimal ELF64 little-endian reader: headers, then only the sections a
// symbolizer needs, read with positioned reads (a JVM's libjvm.so or a large Go
// binary is never read whole). Names come from .symtab and .dynsym; a stripped
// Go binary keeps its names only in .gopclntab (gopclntab.ts).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readGoFunctionSymbols } from './gopclntab.js';
import { NameFile } from './name-file.js';
import { SymbolTable, SymbolTableBuilder, type FunctionSymbol } from './symbol-table.js';

export interface ElfLoadSegment {
  /** File offset of the segment's first byte. */
  offset: bigint;
  vaddr: bigint;
  fileSize: bigint;
}

export interface ElfSection {
  name: string;
  type: number;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
}

const ELF_MAGIC = 0x464c457f; // "\x7fELF" read little-endian
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELF_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;
const SECTION_HEADER_SIZE = 64;
const SYMBOL_SIZE = 24;
const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
const SHN_XINDEX = 0xffff;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const NT_GNU_BUILD_ID = 3;
/** The Go toolchain's own build id note ("Go" owner), in every Go binary, stripped or not. */
const NT_GO_BUILD_ID = 4;

export class ElfFormatError extends Error {}

/** An open ELF64 LE file: its load segments and section headers; sections are read on demand. */
export class ElfFile {
  private fdOwnedElsewhere = false;

  private constructor(
    private readonly fd: number,
    readonly loadSegments: readonly ElfLoadSegment[],
    readonly sections: readonly ElfSection[],
    /** Inode of the opened file, to check it is the mapped one. */
    readonly inode: bigint,
  ) {}

  /** Throws on an unopenable file (ENOENT, EACCES) and ElfFormatError on anything but ELF64 LE. */
  static open(path: string): ElfFile {
    const fd = openSync(path, 'r');
    try {
      const inode = fstatSync(fd, { bigint: true }).ino;
      const header = readAt(fd, 0n, ELF_HEADER_SIZE);
      if (header.length < ELF_HEADER_SIZE || header.readUInt32LE(0) !== ELF_MAGIC) throw new ElfFormatError('not ELF');
      if (header[4] !== ELFCLASS64 || header[5] !== ELFDATA2LSB) throw new ElfFormatError('not ELF64 little-endian');
      const loadSegments = readLoadSegments(fd, header);
      const sections = readSections(fd, header);
      return new ElfFile(fd, loadSegments, sections, inode);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Up to `length` bytes at a file offset (fewer at the end of the file). */
  read(offset: bigint, length: number): Buffer {
    return readAt(this.fd, offset, length);
  }

  readSection(section: ElfSection): Buffer {
    if (section.type === SHT_NOBITS) return Buffer.alloc(0);
    return readAt(this.fd, section.offset, Number(section.size));
  }

  /**
   * The file's descriptor handed to a NameFile, which closes it once
   * collected; close() then leaves it open.
   */
  nameFile(): NameFile {
    this.fdOwnedElsewhere = true;
    return new NameFile(this.fd);
  }

  close(): void {
    if (!this.fdOwnedElsewhere) closeSync(this.fd);
  }
}

function readAt(fd: number, position: bigint, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const read = readSync(fd, buffer, filled, length - filled, position + BigInt(filled));
    if (read === 0) break;
    filled += read;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

function readLoadSegments(fd: number, header: Buffer): ElfLoadSegment[] {
  const tableOffset = header.readBigUInt64LE(32);
  const entrySize = header.readUInt16LE(54);
  const count = header.readUInt16LE(56);
  if (count === 0) return [];
  if (entrySize < PROGRAM_HEADER_SIZE) throw new ElfFormatError('short program header');
  const table = readAt(fd, tableOffset, entrySize * count);
  const segments: ElfLoadSegment[] = [];
  for (let at = 0; at + PROGRAM_HEADER_SIZE <= table.length; at += entrySize) {
    if (table.readUInt32LE(at) !== PT_LOAD) continue;
    segments.push({
      offset: table.readBigUInt64LE(at + 8),
      vaddr: table.readBigUInt64LE(at + 16),
      fileSize: table.readBigUInt64LE(at + 32),
    });
  }
  return segments;
}

function readSections(fd: number, header: Buffer): ElfSection[] {
  const tableOffset = header.readBigUInt64LE(40);
  const entrySize = header.readUInt16LE(58);
  if (tableOffset === 0n) return [];
  if (entrySize < SECTION_HEADER_SIZE) throw new ElfFormatError('short section header');
  // More than 0xff00 sections: the real count and string-table index live in section 0.
  const first = readAt(fd, tableOffset, SECTION_HEADER_SIZE);
  let count = header.readUInt16LE(60);
  if (count === 0) count = Number(first.readBigUInt64LE(32));
  let namesIndex = header.readUInt16LE(62);
  if (namesIndex === SHN_XINDEX) namesIndex = first.readUInt32LE(40);
  const table = readAt(fd, tableOffset, entrySize * count);
  const raw = [];
  for (let at = 0; at + SECTION_HEADER_SIZE <= table.length; at += entrySize) {
    raw.push({
      nameOffset: table.readUInt32LE(at),
      type: table.readUInt32LE(at + 4),
      addr: table.readBigUInt64LE(at + 16),
      offset: table.readBigUInt64LE(at + 24),
      size: table.readBigUInt64LE(at + 32),
      link: table.readUInt32LE(at + 40),
    });
  }
  const namesSection = raw[namesIndex];
  const names = namesSection && namesSection.type !== SHT_NOBITS ? readAt(fd, namesSection.offset, Number(namesSection.size)) : Buffer.alloc(0);
  return raw.map(({ nameOffset, ...section }) => ({ name: cString(names, nameOffset), ...section }));
}

function cString(buffer: Buffer, offset: number): string {
  if (offset >= buffer.length) return '';
  const end = buffer.indexOf(0, offset);
  return buffer.toString('utf8', offset, end < 0 ? buffer.length : end);
}

/**
 * Each function symbol (STT_FUNC and STT_GNU_IFUNC) of .symtab and .dynsym,
 * defined ones only, with its name as bytes of `names` (no string made).
 */
function forEachFunctionSymbol(
  elf: ElfFile,
  visit: (
    start: bigint,
    size: bigint,
    binding: number,
    sectionEnd: bigint | undefined,
    names: Buffer,
    nameStart: number,
    nameEnd: number,
    namesFileOffset: number,
  ) => void,
): void {
  for (const table of elf.sections) {
    if (table.type !== SHT_SYMTAB && table.type !== SHT_DYNSYM) continue;
    const strings = elf.sections[table.link];
    if (!strings) continue;
    const names = elf.readSection(strings);
    const entries = elf.readSection(table);
    for (let at = 0; at + SYMBOL_SIZE <= entries.length; at += SYMBOL_SIZE) {
      const info = entries[at + 4]!;
      const type = info & 0xf;
      if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
      const sectionIndex = entries.readUInt16LE(at + 6);
      // Undefined entries are imports (their value is 0 or a PLT slot), not code of this file.
      if (sectionIndex === SHN_UNDEF || sectionIndex >= SHN_LORESERVE) continue;
      const nameStart = entries.readUInt32LE(at);
      if (nameStart >= names.length) continue;
      const terminator = names.indexOf(0, nameStart);
      const nameEnd = terminator < 0 ? names.length : terminator;
      if (nameEnd === nameStart) continue;
      const holder = elf.sections[sectionIndex];
      visit(
        entries.readBigUInt64LE(at + 8),
        entries.readBigUInt64LE(at + 16),
        info >> 4,
        holder ? holder.addr + holder.size : undefined,
        names,
        nameStart,
        nameEnd,
        Number(strings.offset),
      );
    }
  }
}

/** Function symbols (STT_FUNC and STT_GNU_IFUNC) of .symtab and .dynsym, defined ones only. */
export function readFunctionSymbols(elf: ElfFile): FunctionSymbol[] {
  const symbols: FunctionSymbol[] = [];
  forEachFunctionSymbol(elf, (start, size, binding, sectionEnd, names, nameStart, nameEnd) => {
    symbols.push({ name: names.toString('utf8', nameStart, nameEnd), start, size, binding, sectionEnd });
  });
  return symbols;
}

/** @param inNameFile `elf` is the file of the builder's name file: names are found there by offset */
function addFunctionSymbols(elf: ElfFile, builder: SymbolTableBuilder, inNameFile: boolean): void {
  forEachFunctionSymbol(elf, (start, size, binding, sectionEnd, names, nameStart, nameEnd, namesFileOffset) =>
    builder.add(start, size, binding, sectionEnd, names, nameStart, nameEnd, inNameFile ? namesFileOffset : Number.NaN),
  );
}

/** The GNU build id in hex, from any note section; undefined when the linker wrote none (Go's own id is another note). */
export function readBuildId(elf: ElfFile): string | undefined {
  return readNote(elf, NT_GNU_BUILD_ID, 'GNU\0')?.toString('hex');
}

/** The Go toolchain's build id (text, e.g. "abc/def/..."), undefined in a file Go did not build. */
export function readGoBuildId(elf: ElfFile): string | undefined {
  return readNote(elf, NT_GO_BUILD_ID, 'Go\0\0')?.toString('latin1');
}

function readNote(elf: ElfFile, wantedType: number, wantedName: string): Buffer | undefined {
  for (const section of elf.sections) {
    if (section.type !== SHT_NOTE) continue;
    const notes = elf.readSection(section);
    let at = 0;
    while (at + 12 <= notes.length) {
      const nameSize = notes.readUInt32LE(at);
      const descSize = notes.readUInt32LE(at + 4);
      const type = notes.readUInt32LE(at + 8);
      const nameStart = at + 12;
      const descStart = nameStart + align4(nameSize);
      if (type === wantedType && notes.toString('latin1', nameStart, nameStart + nameSize) === wantedName) {
        return notes.subarray(descStart, descStart + descSize);
      }
      at = descStart + align4(descSize);
    }
  }
  return undefined;
}

function align4(size: number): number {
  return (size + 3) & ~3;
}

/** The ELF virtual address at a file offset, through the PT_LOAD segment holding it. */
export function virtualAddressOfFileOffset(segments: readonly ElfLoadSegment[], fileOffset: bigint): bigint | undefined {
  const segment = segments.find((candidate) => candidate.offset <= fileOffset && fileOffset < candidate.offset + candidate.fileSize);
  return segment ? fileOffset - segment.offset + segment.vaddr : undefined;
}

/** What a symbolizer keeps of one ELF file. */
export interface ElfSymbols {
  loadSegments: readonly ElfLoadSegment[];
  buildId: string | undefined;
  symbols: SymbolTable;
  inode: bigint;
}

/**
 * Adds the function symbols of a separate debug file found by build id under
 * one of `debugDirs` (`<dir>/.build-id/ab/cdef….debug`, as Debian's -dbg
 * packages install them), if there is one. Stripped libraries keep only
 * .dynsym: glibc's futex wait (`__futex_abstimed_wait_common`) and lock wait
 * (`__lll_lock_wait`) are named only there, and those leaves tell an idle pool
 * thread from a lock wait.
 */
function addDebugFileSymbols(buildId: string | undefined, debugDirs: readonly string[], builder: SymbolTableBuilder): void {
  if (buildId === undefined || buildId.length < 3) return;
  for (const dir of debugDirs) {
    let debug: ElfFile;
    try {
      debug = ElfFile.open(`${dir}/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`);
    } catch {
      continue;
    }
    try {
      addFunctionSymbols(debug, builder, false);
    } catch {
      // An unreadable debug file leaves the binary's own symbols.
    } finally {
      debug.close();
    }
    return;
  }
}

/** A stripped Go binary's names; none where its pclntab cannot be read (the frames stay unnamed, the file is still used). */
function goSymbolsOrNone(elf: ElfFile): FunctionSymbol[] {
  try {
    return readGoFunctionSymbols(elf);
  } catch {
    return [];
  }
}

/** Symbol tables by build id, shared by every file of that build (the same binary in several containers). */
export interface SymbolTablesByBuildId {
  get(buildId: string): SymbolTable | undefined;
  set(buildId: string, symbols: SymbolTable): void;
}

/**
 * @param debugDirs where to look for a separate debug file by build id, first match wins
 * @param byBuildId reused instead of parsing a file whose (GNU or Go) build id it holds
 */
export function readElfSymbols(path: string, debugDirs: readonly string[] = [], byBuildId?: SymbolTablesByBuildId): ElfSymbols {
  const elf = ElfFile.open(path);
  try {
    const buildId = readBuildId(elf);
    const goBuildId = readGoBuildId(elf);
    const cacheKey = buildId !== undefined ? `gnu:${buildId}` : goBuildId !== undefined ? `go:${goBuildId}` : undefined;
    const known = cacheKey === undefined ? undefined : byBuildId?.get(cacheKey);
    if (known) return { loadSegments: elf.loadSegments, buildId, symbols: known, inode: elf.inode };
    const hasSymtab = elf.sections.some((section) => section.type === SHT_SYMTAB);
    // A file with a full symbol table keeps its names on disk, read at lookup (see NameFile).
    const builder = new SymbolTableBuilder(hasSymtab ? elf.nameFile() : undefined);
    addFunctionSymbols(elf, builder, hasSymtab);
    addDebugFileSymbols(buildId, debugDirs, builder);
    // Without .symtab, a Go binary's own functions are named only in its pclntab (.dynsym holds a cgo binary's C exports).
    if (!hasSymtab) for (const symbol of goSymbolsOrNone(elf)) builder.addSymbol(symbol);
    const symbols = new SymbolTable(builder);
    if (cacheKey !== undefined) byBuildId?.set(cacheKey, symbols);
    return { loadSegments: elf.loadSegments, buildId, symbols, inode: elf.inode };
  } finally {
    elf.close();
  }
}
