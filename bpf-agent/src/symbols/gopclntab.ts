// Function names of a Go binary from its .gopclntab, the table the Go runtime
// itself uses for tracebacks: it stays when a binary is built stripped
// (`go build -ldflags='-s -w'` drops .symtab), so its CPU and off-CPU stacks
// keep their names. Layout as Go's debug/gosym and runtime/symtab.go read it.

import type { ElfFile, ElfSection } from './elf.js';
import type { FunctionSymbol } from './symbol-table.js';

/** Go 1.18-1.19 and Go 1.20+ (the layouts differ only in what we do not read). */
const PCLNTAB_MAGICS = new Set([0xfffffff0, 0xfffffff1]);
/** Header: magic, two zero bytes, pc quantum, pointer size, then pointer-sized words. */
const HEADER_WORDS_AT = 8;
const WORD_NFUNC = 0;
const WORD_TEXT_START = 2;
const WORD_FUNCNAMETAB = 3;
const WORD_FUNCTAB = 7;
/** runtime.moduledata: pcHeader, six slices, findfunctab, minpc, maxpc, text (64-bit). */
const MODULEDATA_MINPC = 8 + 6 * 24 + 8;
const MODULEDATA_TEXT = MODULEDATA_MINPC + 16;
const GLOBAL_BINDING = 1;

export class GoPclntabError extends Error {}

/**
 * Every function of the pclntab with its start and size (up to the next
 * function), [] when the file has no .gopclntab. Go before 1.18 and 32-bit
 * binaries are not read (GoPclntabError).
 */
export function readGoFunctionSymbols(elf: ElfFile): FunctionSymbol[] {
  const section = elf.sections.find((candidate) => candidate.name === '.gopclntab');
  if (!section) return [];
  const table = elf.readSection(section);
  if (table.length < HEADER_WORDS_AT + 8 * 8 || !PCLNTAB_MAGICS.has(table.readUInt32LE(0))) {
    throw new GoPclntabError('.gopclntab of an unsupported Go version (1.18 and later are read)');
  }
  if (table[7] !== 8) throw new GoPclntabError('.gopclntab of a 32-bit binary');
  const word = (index: number): bigint => table.readBigUInt64LE(HEADER_WORDS_AT + 8 * index);
  const functionCount = Number(word(WORD_NFUNC));
  const namesAt = Number(word(WORD_FUNCNAMETAB));
  const functabAt = Number(word(WORD_FUNCTAB));
  if (functabAt + (2 * functionCount + 1) * 4 > table.length) throw new GoPclntabError('.gopclntab function table runs past the section');
  const entryOffset = (index: number): number => table.readUInt32LE(functabAt + 8 * index);
  const textStart = goTextStart(elf, section, word(WORD_TEXT_START), functionCount > 0 ? entryOffset(0) : 0);
  const symbols: FunctionSymbol[] = [];
  for (let index = 0; index < functionCount; index++) {
    const funcAt = functabAt + table.readUInt32LE(functabAt + 8 * index + 4);
    const nameAt = namesAt + table.readInt32LE(funcAt + 4);
    const nameEnd = table.indexOf(0, nameAt);
    if (nameAt < namesAt || nameEnd < 0) continue;
    // The table ends with one more entry offset: the end of the last function.
    const end = index + 1 < functionCount ? entryOffset(index + 1) : table.readUInt32LE(functabAt + 8 * functionCount);
    const start = entryOffset(index);
    symbols.push({
      name: table.toString('utf8', nameAt, nameEnd),
      start: textStart + BigInt(start),
      size: BigInt(Math.max(end - start, 0)),
      binding: GLOBAL_BINDING,
    });
  }
  return symbols;
}

/**
 * runtime.text, which function entries count from. Go 1.26 no longer writes
 * it in the header; the runtime finds it in its moduledata, which starts with
 * a pointer to the pclntab and holds minpc (the first function's entry) and
 * text a few words on: found there, checked against each other. Failing that
 * (a PIE binary's moduledata is filled by relocations), the header's word, or
 * the start of .text, which is runtime.text when Go linked the binary itself.
 */
function goTextStart(elf: ElfFile, pclntab: ElfSection, headerTextStart: bigint, firstEntryOffset: number): bigint {
  const pointer = Buffer.alloc(8);
  pointer.writeBigUInt64LE(pclntab.addr);
  // Go 1.26 gives the moduledata a section of its own; before, it lived in .noptrdata.
  for (const name of ['.go.module', '.noptrdata', '.data']) {
    const section = elf.sections.find((candidate) => candidate.name === name);
    if (!section) continue;
    const data = elf.readSection(section);
    for (let at = data.indexOf(pointer); at >= 0; at = data.indexOf(pointer, at + 1)) {
      if (at % 8 !== 0 || at + MODULEDATA_TEXT + 8 > data.length) continue;
      const text = data.readBigUInt64LE(at + MODULEDATA_TEXT);
      if (text !== 0n && data.readBigUInt64LE(at + MODULEDATA_MINPC) === text + BigInt(firstEntryOffset)) return text;
    }
  }
  if (headerTextStart !== 0n) return headerTextStart;
  return elf.sections.find((candidate) => candidate.name === '.text')?.addr ?? 0n;
}
