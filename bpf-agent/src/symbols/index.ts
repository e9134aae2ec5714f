export { ElfFile, ElfFormatError, readBuildId, readElfSymbols, readFunctionSymbols, virtualAddressOfFileOffset } from './elf.js';
export type { ElfLoadSegment, ElfSection, ElfSymbols } from './elf.js';
export { parsePerfMap } from './perf-map.js';
export { findMapping, isExecutable, isFileBacked, parseProcMaps } from './proc-maps.js';
export type { MemoryMapping } from './proc-maps.js';
export { SymbolTable } from './symbol-table.js';
export type { FunctionSymbol } from './symbol-table.js';
export { Symbolizer } from './symbolizer.js';
export type { SymbolizedFrame, SymbolizerOptions } from './symbolizer.js';
