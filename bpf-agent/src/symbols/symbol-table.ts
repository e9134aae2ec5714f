/** A function in a file's address space (ELF virtual addresses, or process addresses for JIT perf maps). */
export interface FunctionSymbol {
  name: string;
  start: bigint;
  /** 0 when the producer did not record one (hand-written assembly); see SymbolTable. */
  size: bigint;
  /** ELF binding (0 local, 1 global, 2 weak); picks one name among aliases at one address. */
  binding: number;
  /** End of the section holding the symbol: the limit for a size-0 symbol. */
  sectionEnd?: bigint;
}

const BINDING_RANK = new Map([[1, 0], [2, 1], [0, 2]]);

function leadingUnderscores(name: string): number {
  return /^_*/.exec(name)![0].length;
}

/**
 * Among aliases at one address (pthread_mutex_lock and __pthread_mutex_lock),
 * the public name: sized before size-0, global before weak before local, fewer
 * leading underscores, then shorter, then alphabetical so the pick is stable.
 */
function preferredFirst(a: FunctionSymbol, b: FunctionSymbol): number {
  return (
    Number(a.size === 0n) - Number(b.size === 0n) ||
    (BINDING_RANK.get(a.binding) ?? 3) - (BINDING_RANK.get(b.binding) ?? 3) ||
    leadingUnderscores(a.name) - leadingUnderscores(b.name) ||
    a.name.length - b.name.length ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
}

/**
 * Address -> function name by binary search. One name per start address. A
 * size-0 symbol is taken to run up to the next symbol or the end of its
 * section, whichever is first; an address past a sized symbol's end (a static
 * function missing from .dynsym, say) finds no name rather than a wrong one.
 */
export class SymbolTable {
  private readonly starts: BigUint64Array;
  private readonly ends: BigUint64Array;
  private readonly names: string[];

  constructor(symbols: readonly FunctionSymbol[]) {
    const byStart = [...symbols].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : preferredFirst(a, b)));
    const unique = byStart.filter((symbol, index) => index === 0 || byStart[index - 1]!.start !== symbol.start);
    this.starts = new BigUint64Array(unique.length);
    this.ends = new BigUint64Array(unique.length);
    this.names = [];
    unique.forEach((symbol, index) => {
      let end = symbol.start + symbol.size;
      if (symbol.size === 0n) {
        end = unique[index + 1]?.start ?? symbol.sectionEnd ?? symbol.start;
        if (symbol.sectionEnd !== undefined && symbol.sectionEnd < end) end = symbol.sectionEnd;
      }
      this.starts[index] = symbol.start;
      this.ends[index] = end;
      this.names.push(symbol.name);
    });
  }

  get size(): number {
    return this.names.length;
  }

  lookup(address: bigint): string | undefined {
    let low = 0;
    let high = this.starts.length - 1;
    let candidate = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle]! <= address) {
        candidate = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (candidate < 0 || address >= this.ends[candidate]!) return undefined;
    return this.names[candidate];
  }
}
