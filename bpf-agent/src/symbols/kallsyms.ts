import { readFileSync } from 'node:fs';
import { SymbolTable, SymbolTableBuilder } from './symbol-table.js';

/**
 * Kernel function names from /proc/kallsyms (addresses are visible to root;
 * for others they read as zero and nothing resolves). Read once: the kernel's
 * text does not move; modules loaded later resolve after a reload.
 */
export function readKernelSymbols(path = '/proc/kallsyms'): SymbolTable {
  const symbols = new SymbolTableBuilder();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new SymbolTable([]);
  }
  for (const line of text.split('\n')) {
    const [address, type, name] = line.split(/\s+/);
    // Text symbols only: t/T (and w/W weak functions).
    if (!address || !name || !type || !'tTwW'.includes(type)) continue;
    const value = BigInt(`0x${address}`);
    // kallsyms has no sizes: each function runs up to the next one.
    if (value !== 0n) symbols.addSymbol({ name, start: value, size: 0n, binding: type === 'T' ? 1 : type === 't' ? 0 : 2 });
  }
  return new SymbolTable(symbols);
}
