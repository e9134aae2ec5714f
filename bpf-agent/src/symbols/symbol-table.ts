import type { NameFile } from './name-file.js';

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

/** Bounds a table's looked-up names (a profile of a large binary touches a few thousand functions). */
const MAX_NAMED = 50_000;

const BINDING_RANK = [2, 0, 1]; // local, global, weak -> global first, then weak, then local
const NO_SECTION_END = 0n;
const UNDERSCORE = 0x5f;

function bindingRank(binding: number): number {
  return BINDING_RANK[binding] ?? 3;
}

/** Grows a typed array to hold at least `length` elements. */
function grown<T extends BigUint64Array | Float64Array | Uint32Array | Uint8Array>(array: T, length: number): T {
  if (length <= array.length) return array;
  const next = new (array.constructor as new (length: number) => T)(Math.max(length, array.length * 2));
  next.set(array as never);
  return next;
}

/**
 * Collects symbols column by column, names as UTF-8 bytes in one buffer: a
 * large binary's 100k+ symbols then cost typed arrays, not an object, two
 * BigInts and a string each, while they are read.
 */
export class SymbolTableBuilder {
  private starts = new BigUint64Array(256);
  private sizes = new BigUint64Array(256);
  private sectionEnds = new BigUint64Array(256);
  private bindings = new Uint8Array(256);
  private nameStarts = new Uint32Array(257);
  private names = Buffer.allocUnsafe(4096);
  /** Where each name lies in `nameFile`; NaN for a name that is in memory only. */
  private nameFileOffsets = new Float64Array(256);
  private count = 0;

  /** @param nameFile the open file `add`'s name offsets refer to: names found there are not kept in the table */
  constructor(private readonly nameFile?: NameFile) {}

  static of(symbols: Iterable<FunctionSymbol>): SymbolTableBuilder {
    const builder = new SymbolTableBuilder();
    for (const symbol of symbols) builder.addSymbol(symbol);
    return builder;
  }

  addSymbol(symbol: FunctionSymbol): void {
    const at = this.reserve(Buffer.byteLength(symbol.name, 'utf8'));
    this.names.write(symbol.name, at, 'utf8');
    this.record(symbol.start, symbol.size, symbol.binding, symbol.sectionEnd, Number.NaN);
  }

  /**
   * A symbol whose name is `source[nameStart, nameEnd)` (copied while the
   * table is built), found at `sourceFileOffset` in the builder's name file
   * when `source` was read from it.
   */
  add(
    start: bigint,
    size: bigint,
    binding: number,
    sectionEnd: bigint | undefined,
    source: Buffer,
    nameStart: number,
    nameEnd: number,
    sourceFileOffset = Number.NaN,
  ): void {
    source.copy(this.names, this.reserve(nameEnd - nameStart), nameStart, nameEnd);
    this.record(start, size, binding, sectionEnd, sourceFileOffset + nameStart);
  }

  /** Room for the next symbol's name of `length` bytes; returns where it goes. */
  private reserve(length: number): number {
    this.nameStarts = grown(this.nameStarts, this.count + 2);
    const at = this.nameStarts[this.count]!;
    if (at + length > this.names.length) {
      const names = Buffer.allocUnsafe(Math.max(at + length, this.names.length * 2));
      this.names.copy(names, 0, 0, at);
      this.names = names;
    }
    this.nameStarts[this.count + 1] = at + length;
    return at;
  }

  private record(start: bigint, size: bigint, binding: number, sectionEnd: bigint | undefined, nameFileOffset: number): void {
    const index = this.count++;
    this.starts = grown(this.starts, this.count);
    this.sizes = grown(this.sizes, this.count);
    this.sectionEnds = grown(this.sectionEnds, this.count);
    this.bindings = grown(this.bindings, this.count);
    this.nameFileOffsets = grown(this.nameFileOffsets, this.count);
    this.starts[index] = start;
    this.sizes[index] = size;
    this.sectionEnds[index] = sectionEnd ?? NO_SECTION_END;
    this.bindings[index] = binding;
    this.nameFileOffsets[index] = nameFileOffset;
  }

  private nameLength(i: number): number {
    return this.nameStarts[i + 1]! - this.nameStarts[i]!;
  }

  private leadingUnderscores(i: number): number {
    let at = this.nameStarts[i]!;
    const end = this.nameStarts[i + 1]!;
    while (at < end && this.names[at] === UNDERSCORE) at++;
    return at - this.nameStarts[i]!;
  }

  /**
   * Among aliases at one address (pthread_mutex_lock and __pthread_mutex_lock),
   * the public name: sized before size-0, global before weak before local, fewer
   * leading underscores, then shorter, then by bytes so the pick is stable.
   */
  private preferredFirst(a: number, b: number): number {
    return (
      Number(this.sizes[a] === 0n) - Number(this.sizes[b] === 0n) ||
      bindingRank(this.bindings[a]!) - bindingRank(this.bindings[b]!) ||
      this.leadingUnderscores(a) - this.leadingUnderscores(b) ||
      this.nameLength(a) - this.nameLength(b) ||
      this.names.compare(this.names, this.nameStarts[b], this.nameStarts[b + 1], this.nameStarts[a], this.nameStarts[a + 1])
    );
  }

  /** One name per start address (the preferred alias), with each symbol's end. */
  finish(): SymbolColumns {
    const order = new Uint32Array(this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => {
      const sa = this.starts[a]!;
      const sb = this.starts[b]!;
      return sa < sb ? -1 : sa > sb ? 1 : this.preferredFirst(a, b);
    });
    let unique = 0;
    for (let i = 0; i < order.length; i++) {
      if (i === 0 || this.starts[order[i]!] !== this.starts[order[i - 1]!]) order[unique++] = order[i]!;
    }
    const starts = new BigUint64Array(unique);
    const ends = new BigUint64Array(unique);
    // Names stay in the file when every kept one is there (not when a debug file or a Go pclntab gave some).
    let inFile = this.nameFile !== undefined;
    for (let u = 0; inFile && u < unique; u++) inFile = !Number.isNaN(this.nameFileOffsets[order[u]!]!);
    const nameStarts = new Uint32Array(inFile ? 1 : unique + 1);
    const nameFile = inFile ? { file: this.nameFile!, offsets: new Float64Array(unique), lengths: new Uint32Array(unique) } : undefined;
    let nameBytes = 0;
    if (!inFile) for (let u = 0; u < unique; u++) nameBytes += this.nameLength(order[u]!);
    const names = Buffer.alloc(nameBytes);
    for (let u = 0; u < unique; u++) {
      const i = order[u]!;
      const start = this.starts[i]!;
      const sectionEnd = this.sectionEnds[i]!;
      let end = start + this.sizes[i]!;
      // A size-0 symbol runs up to the next symbol or the end of its section, whichever is first.
      if (this.sizes[i] === 0n) {
        const next = u + 1 < unique ? this.starts[order[u + 1]!]! : undefined;
        end = next ?? (sectionEnd !== NO_SECTION_END ? sectionEnd : start);
        if (sectionEnd !== NO_SECTION_END && sectionEnd < end) end = sectionEnd;
      }
      starts[u] = start;
      ends[u] = end;
      if (nameFile) {
        nameFile.offsets[u] = this.nameFileOffsets[i]!;
        nameFile.lengths[u] = this.nameLength(i);
      } else {
        nameStarts[u + 1] = nameStarts[u]! + this.names.copy(names, nameStarts[u], this.nameStarts[i], this.nameStarts[i + 1]);
      }
    }
    return nameFile ? { starts, ends, nameStarts, names, inFile: nameFile } : { starts, ends, nameStarts, names };
  }
}

interface SymbolColumns {
  starts: BigUint64Array;
  ends: BigUint64Array;
  /** names of symbol i: names[nameStarts[i], nameStarts[i + 1]) (both empty with `inFile`) */
  nameStarts: Uint32Array;
  names: Buffer;
  /** Names read from the file at lookup: symbol i's is lengths[i] bytes at offsets[i]. */
  inFile?: { file: NameFile; offsets: Float64Array; lengths: Uint32Array };
}

/**
 * Address -> function name by binary search. One name per start address. A
 * size-0 symbol is taken to run up to the next symbol or the end of its
 * section, whichever is first; an address past a sized symbol's end (a static
 * function missing from .dynsym, say) finds no name rather than a wrong one.
 * Kept as typed arrays and one buffer of names (about 20 bytes a symbol plus
 * its name), or, for an ELF file's own symbols, typed arrays only (about 28
 * bytes a symbol) with the names read from the file at lookup: the agent holds
 * the tables of every binary it has symbolized.
 */
export class SymbolTable {
  private readonly columns: SymbolColumns;
  /**
   * Names already looked up, by symbol: the stacks an agent keeps name the same
   * functions over and over, and each would otherwise hold its own copy.
   */
  private readonly named = new Map<number, string>();

  constructor(symbols: readonly FunctionSymbol[] | SymbolTableBuilder) {
    this.columns = (symbols instanceof SymbolTableBuilder ? symbols : SymbolTableBuilder.of(symbols)).finish();
  }

  get size(): number {
    return this.columns.starts.length;
  }

  /** Memory held, for a cache bounded in bytes. */
  get byteSize(): number {
    const { starts, ends, nameStarts, names, inFile } = this.columns;
    return starts.byteLength + ends.byteLength + nameStarts.byteLength + names.length + (inFile ? inFile.offsets.byteLength + inFile.lengths.byteLength : 0);
  }

  lookup(address: bigint): string | undefined {
    const { starts, ends, nameStarts, names } = this.columns;
    let low = 0;
    let high = starts.length - 1;
    let candidate = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (starts[middle]! <= address) {
        candidate = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (candidate < 0 || address >= ends[candidate]!) return undefined;
    const known = this.named.get(candidate);
    if (known !== undefined) return known;
    const { inFile } = this.columns;
    const name = inFile ? inFile.file.read(inFile.offsets[candidate]!, inFile.lengths[candidate]!) : names.toString('utf8', nameStarts[candidate], nameStarts[candidate + 1]);
    if (name !== undefined) {
      if (this.named.size >= MAX_NAMED) this.named.clear();
      this.named.set(candidate, name);
    }
    return name;
  }
}
