// JIT perf maps (/tmp/perf-PID.map, written by node --perf-basic-prof, the
// JVM's perf-map agents, .NET, LuaJIT...): one line per compiled function,
// `START SIZE name`, START and SIZE in hex, name to the end of the line
// (it may hold spaces). Addresses are process addresses.

import { SymbolTable, type FunctionSymbol } from './symbol-table.js';

const PERF_MAP_LINE = /^(?:0x)?([0-9a-fA-F]+)\s+(?:0x)?([0-9a-fA-F]+)\s+(.+)$/;

export function parsePerfMap(text: string): SymbolTable {
  const symbols: FunctionSymbol[] = [];
  for (const line of text.split('\n')) {
    const match = PERF_MAP_LINE.exec(line.trimEnd());
    if (!match) continue;
    // A JIT rewrites code in place; the later line for an address is the current one.
    symbols.push({ name: match[3]!, start: BigInt(`0x${match[1]!}`), size: BigInt(`0x${match[2]!}`), binding: 1 });
  }
  return new SymbolTable(latestPerStart(symbols));
}

function latestPerStart(symbols: FunctionSymbol[]): FunctionSymbol[] {
  const byStart = new Map<bigint, FunctionSymbol>();
  for (const symbol of symbols) byStart.set(symbol.start, symbol);
  return [...byStart.values()];
}
