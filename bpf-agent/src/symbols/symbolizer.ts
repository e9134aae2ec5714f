// (pid, user stack addresses) -> function names, for the stack rules that
// decide a wait class. Never throws: a process that exited, a file that cannot
// be read or an address in no mapping gives a frame without a symbol.

import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readElfSymbols, virtualAddressOfFileOffset, type ElfSymbols } from './elf.js';
import { LruCache } from './lru-cache.js';
import { parsePerfMap } from './perf-map.js';
import { findMapping, isExecutable, isFileBacked, parseProcMaps, type MemoryMapping } from './proc-maps.js';
import type { SymbolTable } from './symbol-table.js';

export interface SymbolizedFrame {
  address: bigint;
  symbol?: string;
  /** Basename of the mapped file ('libc.so.6'), or the kernel's name ('[vdso]'); absent for anonymous memory. */
  module?: string;
}

export interface SymbolizerOptions {
  /** Parsed files (ELF symbol tables and perf maps) kept at once. */
  maxFiles: number;
  /**
   * Bytes of ELF symbol tables kept at once (least recently used dropped
   * first); JIT perf maps get a quarter of this on top. Default 32 MiB.
   */
  maxSymbolBytes?: number;
  procRoot?: string;
  /**
   * x86-64: recover the function a frame-pointer walk skips above a leaf
   * without a frame of its own (see symbolize). Off elsewhere: other
   * architectures encode calls differently.
   */
  leafCallers?: boolean;
}

/** x86-64 `call rel32`: opcode E8, then the target's offset from the next instruction. */
const CALL_REL32 = 0xe8;
/**
 * x86-64 `call *disp32(%rip)`: FF 15, then the offset of the pointer to call
 * (a GOT slot: how Rust and -fno-plt C call functions of other crates or libraries).
 */
const CALL_RIP_INDIRECT = [0xff, 0x15] as const;
const CALL_RIP_INDIRECT_BYTES = 6;

/**
 * How long a process's parsed /proc/PID/maps is reused: reading and parsing it
 * per stack was most of the agent's busy time. An address it does not cover
 * (a library loaded since) re-reads it at once, so staleness costs one read;
 * and a process that exited within the window is still named by its last maps,
 * which its final interval's stacks need (a pid is not reused that fast).
 */
const MAPS_REUSE_MS = 10_000;
/** An unwinder's garbage frame misses every mapping: re-read on a miss at most this often. */
const MAPS_MISS_REREAD_MS = 1_000;

interface CachedMaps {
  mappings: MemoryMapping[];
  readAtMs: number;
  /** The JIT perf map's path, looked up once per read of the maps (undefined: none). */
  perfMapPath?: string | undefined;
  perfMapLooked?: boolean;
}

interface PerfMapEntry {
  sizeBytes: number;
  symbols: SymbolTable;
}

/** Parsing succeeded but the file is not one we can read symbols from; remembered so it is not re-read. */
const NOT_ELF = null;

function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function isCode(mapping: MemoryMapping | undefined): boolean {
  return mapping !== undefined && isExecutable(mapping);
}

export class Symbolizer {
  private readonly procRoot: string;
  private readonly leafCallers: boolean;
  /** Keyed by dev:inode of the mapping: one entry serves every process mapping the same file. */
  private readonly elfByFile: LruCache<string, ElfSymbols | typeof NOT_ELF>;
  /** Parsed symbol tables by build id: a binary in several containers (other inodes) is parsed once. */
  private readonly symbolsByBuildId: LruCache<string, SymbolTable>;
  private readonly perfMapByPid: LruCache<number, PerfMapEntry>;
  private readonly mapsByPid: LruCache<number, CachedMaps>;

  constructor(opts: SymbolizerOptions) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.leafCallers = opts.leafCallers ?? false;
    const maxSymbolBytes = opts.maxSymbolBytes ?? 32 * 1024 * 1024;
    // Both caches hold the same tables (a file's is its build's): bounding both bounds them.
    this.elfByFile = new LruCache(opts.maxFiles, { maxWeight: maxSymbolBytes, weightOf: (elf) => elf?.symbols.byteSize ?? 0 });
    this.symbolsByBuildId = new LruCache(opts.maxFiles, { maxWeight: maxSymbolBytes, weightOf: (symbols) => symbols.byteSize });
    this.perfMapByPid = new LruCache(opts.maxFiles, { maxWeight: maxSymbolBytes / 4, weightOf: (map) => map.symbols.byteSize });
    this.mapsByPid = new LruCache(opts.maxFiles);
  }

  /**
   * Reads (or keeps, within its reuse window) a process's memory map without
   * symbolizing: a stack that waits for the symbolize budget can then still
   * be named shortly after its process has exited.
   */
  keepMappings(pid: number): void {
    this.mappingsOf(pid, 'reuse');
  }

  /** Bytes of ELF symbol tables held now. */
  get cachedSymbolBytes(): number {
    return this.elfByFile.weightInUse;
  }

  /**
   * `addresses` is a user stack, leaf first. Every address but the first is a
   * return address, looked up one byte back so that a call ending its function
   * is named after that function, not the next one.
   *
   * With leafCallers, one frame the kernel's walk cannot see is put back
   * after the leaf. A leaf that keeps no frame pointer (glibc's syscall()
   * wrapper, Debian's glibc as a whole) leaves the frame pointer at its
   * caller's frame, so the walk's first return address is the caller's own:
   * the caller (Rust std's Mutex::lock_contended, say, the very frame that
   * says why the thread waits) is missing. `leafReturn`, the word the kernel
   * read at the stack pointer, is that caller's return address when the leaf
   * pushed nothing; otherwise, when the instruction before the walk's first
   * return address is a call whose target can be read (direct, or through a
   * GOT slot), its target is that caller, unless it is the leaf itself (a
   * leaf with a frame of its own).
   */
  symbolize(pid: number, addresses: bigint[], leafReturn?: bigint): SymbolizedFrame[] {
    const lookupAddresses = addresses.map((address, index) => (index === 0 || address === 0n ? address : address - 1n));
    let mappings = this.mappingsOf(pid, 'reuse');
    if (lookupAddresses.some((address) => !findMapping(mappings, address))) mappings = this.mappingsOf(pid, 'after-miss');
    // A frame-pointer walk through code built without frame pointers reads
    // whatever the register held as the next frame: an address in no code of
    // the process, each time another. Kept, each such sleep or sample would be
    // a stack of its own, and a signal that keeps the heaviest stacks would
    // drop real ones for them. The walk ends where its addresses stop being
    // code (when the process's mappings are known at all).
    const beyondCode = mappings.length > 0 ? lookupAddresses.findIndex((address, index) => index > 0 && !isCode(findMapping(mappings, address))) : -1;
    const kept = beyondCode > 0 ? addresses.slice(0, beyondCode) : addresses;
    const frames = kept.map((address, index) => this.frameAt(pid, mappings, address, lookupAddresses[index]!));
    if (this.leafCallers && frames.length >= 2) {
      const hidden =
        (leafReturn !== undefined ? this.leafReturnFrame(pid, mappings, frames, leafReturn) : undefined) ??
        this.hiddenLeafCaller(pid, mappings, frames[0]!, frames[1]!.address);
      if (hidden) frames.splice(1, 0, hidden);
    }
    return frames;
  }

  /**
   * The frame of the word the kernel read at the stack pointer (the caller's
   * return address under a leaf without a frame of its own): taken only when
   * it follows a call instruction and names a function the walk did not.
   */
  private leafReturnFrame(pid: number, mappings: readonly MemoryMapping[], frames: readonly SymbolizedFrame[], leafReturn: bigint): SymbolizedFrame | undefined {
    const mapping = findMapping(mappings, leafReturn - 1n);
    if (!mapping || !isFileBacked(mapping) || !isExecutable(mapping) || !this.followsCall(pid, leafReturn)) return undefined;
    const frame = this.frameAt(pid, mappings, leafReturn, leafReturn - 1n);
    if (frame.symbol === undefined || frame.symbol === frames[0]!.symbol || frame.symbol === frames[1]!.symbol) return undefined;
    return frame;
  }

  /** Whether the bytes before `address` end in an x86-64 call: direct, RIP-relative, or through a register. */
  private followsCall(pid: number, address: bigint): boolean {
    if (address < CALL_RIP_INDIRECT_BYTES) return false;
    const bytes = this.readMemory(pid, address - BigInt(CALL_RIP_INDIRECT_BYTES), CALL_RIP_INDIRECT_BYTES);
    if (!bytes) return false;
    // bytes[i] is at address - 6 + i. `call *%reg` is FF D0+r, after a REX prefix (41) for r8..r15.
    const callsRegister = bytes[4] === 0xff && (bytes[5]! & 0xf8) === 0xd0;
    return bytes[1] === CALL_REL32 || (bytes[0] === CALL_RIP_INDIRECT[0] && bytes[1] === CALL_RIP_INDIRECT[1]) || callsRegister;
  }

  private frameAt(pid: number, mappings: readonly MemoryMapping[], address: bigint, lookupAddress: bigint): SymbolizedFrame {
    const mapping = findMapping(mappings, lookupAddress);
    if (!mapping) return { address };
    const frame: SymbolizedFrame = { address };
    if (mapping.path !== '') frame.module = basename(mapping.path);
    const symbol = this.symbolOf(pid, mapping, lookupAddress);
    if (symbol !== undefined) frame.symbol = symbol;
    return frame;
  }

  /**
   * The address a call ending at `returnAddress` went to: a direct call's
   * target, or the pointer a RIP-relative indirect call read (as it reads now).
   */
  private callTarget(pid: number, returnAddress: bigint): bigint | undefined {
    if (returnAddress < CALL_RIP_INDIRECT_BYTES) return undefined;
    const call = this.readMemory(pid, returnAddress - BigInt(CALL_RIP_INDIRECT_BYTES), CALL_RIP_INDIRECT_BYTES);
    if (!call) return undefined;
    if (call[1] === CALL_REL32) return returnAddress + BigInt(call.readInt32LE(2));
    if (call[0] !== CALL_RIP_INDIRECT[0] || call[1] !== CALL_RIP_INDIRECT[1]) return undefined;
    return this.readMemory(pid, returnAddress + BigInt(call.readInt32LE(2)), 8)?.readBigUInt64LE(0);
  }

  /** The function a call just before `returnAddress` went to, when it is not `leaf`'s (see symbolize). */
  private hiddenLeafCaller(pid: number, mappings: readonly MemoryMapping[], leaf: SymbolizedFrame, returnAddress: bigint): SymbolizedFrame | undefined {
    const target = this.callTarget(pid, returnAddress);
    if (target === undefined) return undefined;
    const mapping = findMapping(mappings, target);
    if (!mapping || !isFileBacked(mapping) || !isExecutable(mapping)) return undefined;
    const frame = this.frameAt(pid, mappings, target, target);
    // A call goes to a function's first byte: bytes that only look like a call name no start.
    if (frame.symbol === undefined || frame.symbol === leaf.symbol || frame.symbol === this.symbolOf(pid, mapping, target - 1n)) return undefined;
    return frame;
  }

  /** Bytes of a live process's memory; undefined when it has exited or the range is not mapped. */
  private readMemory(pid: number, address: bigint, length: number): Buffer | undefined {
    return readOrUndefined(() => {
      const fd = openSync(`${this.procRoot}/${pid}/mem`, 'r');
      try {
        const bytes = Buffer.alloc(length);
        return readSync(fd, bytes, 0, length, address) === length ? bytes : undefined;
      } finally {
        closeSync(fd);
      }
    });
  }

  /** The process's mappings, parsed at most once per MAPS_REUSE_MS, or per MAPS_MISS_REREAD_MS after a miss. */
  private mappingsOf(pid: number, why: 'reuse' | 'after-miss'): MemoryMapping[] {
    const cached = this.mapsByPid.get(pid);
    const nowMs = Date.now();
    const reuseMs = why === 'reuse' ? MAPS_REUSE_MS : MAPS_MISS_REREAD_MS;
    if (cached && nowMs - cached.readAtMs < reuseMs) return cached.mappings;
    const mapsText = readOrUndefined(() => readFileSync(`${this.procRoot}/${pid}/maps`, 'utf8'));
    if (mapsText === undefined) {
      // Gone. Within the reuse window its last maps still name its final
      // stacks (a miss re-reads, and a stack walked through code without
      // frame pointers always has a frame that misses); past it, the pid may
      // be another process's by now.
      if (cached && nowMs - cached.readAtMs < MAPS_REUSE_MS) return cached.mappings;
      this.mapsByPid.delete(pid);
      return [];
    }
    const mappings = parseProcMaps(mapsText);
    this.mapsByPid.set(pid, { mappings, readAtMs: nowMs });
    return mappings;
  }

  private symbolOf(pid: number, mapping: MemoryMapping, address: bigint): string | undefined {
    const elf = isFileBacked(mapping) ? this.elfSymbolsOf(pid, mapping) : undefined;
    if (elf) {
      const vaddr = virtualAddressOfFileOffset(elf.loadSegments, address - mapping.start + mapping.offset);
      return vaddr === undefined ? undefined : elf.symbols.lookup(vaddr);
    }
    // JIT code lives in anonymous (or memfd) executable memory, named only by the process's perf map.
    if (!isExecutable(mapping)) return undefined;
    return this.perfMapOf(pid)?.lookup(address);
  }

  private elfSymbolsOf(pid: number, mapping: MemoryMapping): ElfSymbols | undefined {
    const key = `${mapping.dev}:${mapping.inode}`;
    if (this.elfByFile.has(key)) return this.elfByFile.get(key) ?? undefined;
    for (const candidate of this.elfPathCandidates(pid, mapping)) {
      let elf: ElfSymbols;
      try {
        // The process's own debug files first (a container's), then the host's.
        elf = readElfSymbols(candidate.path, [`${this.procRoot}/${pid}/root/usr/lib/debug`, '/usr/lib/debug'], this.symbolsByBuildId);
      } catch (error) {
        // Not there or not allowed: try the next way in. Anything else is a file we cannot parse.
        if (isSystemError(error)) continue;
        this.elfByFile.set(key, NOT_ELF);
        return undefined;
      }
      if (candidate.checkInode && elf.inode !== mapping.inode) continue;
      this.elfByFile.set(key, elf);
      return elf;
    }
    // Unreadable now (the process may have exited): not cached, another process may reach the file.
    return undefined;
  }

  /**
   * The process's own view of the path first (/proc/PID/root, so a container's
   * files are read, not the host's), then the mapping itself through
   * map_files (works for deleted files and memfds), then the path as the
   * agent sees it, accepted only when it is the same inode.
   */
  private elfPathCandidates(pid: number, mapping: MemoryMapping): { path: string; checkInode: boolean }[] {
    const processDir = `${this.procRoot}/${pid}`;
    const candidates: { path: string; checkInode: boolean }[] = [];
    if (!mapping.deleted) candidates.push({ path: `${processDir}/root${mapping.path}`, checkInode: false });
    candidates.push({ path: `${processDir}/map_files/${mapping.start.toString(16)}-${mapping.end.toString(16)}`, checkInode: false });
    if (!mapping.deleted) candidates.push({ path: mapping.path, checkInode: true });
    return candidates;
  }

  /** The perf map of a process, re-read when the JIT has appended to it since the last read. */
  private perfMapOf(pid: number): SymbolTable | undefined {
    const path = this.perfMapPathOf(pid);
    if (path === undefined) return undefined;
    const sizeBytes = readOrUndefined(() => statSync(path).size);
    if (sizeBytes === undefined) return undefined;
    const cached = this.perfMapByPid.get(pid);
    if (cached && cached.sizeBytes === sizeBytes) return cached.symbols;
    const text = readOrUndefined(() => readFileSync(path, 'utf8'));
    if (text === undefined) return undefined;
    const symbols = parsePerfMap(text);
    this.perfMapByPid.set(pid, { sizeBytes, symbols });
    return symbols;
  }

  /**
   * A JIT names its map by the pid it sees, which inside a container is the
   * namespace pid, under the container's /tmp. Looked up once per read of the
   * process's maps: it was a status read and two stats per JIT frame.
   */
  private perfMapPathOf(pid: number): string | undefined {
    const cached = this.mapsByPid.get(pid);
    if (cached?.perfMapLooked) return cached.perfMapPath;
    const path = this.findPerfMapPath(pid);
    if (cached) Object.assign(cached, { perfMapPath: path, perfMapLooked: true });
    return path;
  }

  private findPerfMapPath(pid: number): string | undefined {
    const status = readOrUndefined(() => readFileSync(`${this.procRoot}/${pid}/status`, 'utf8'));
    const namespacePid = /^NStgid:.*?(\d+)\s*$/m.exec(status ?? '')?.[1] ?? String(pid);
    const candidates = [`${this.procRoot}/${pid}/root/tmp/perf-${namespacePid}.map`, `/tmp/perf-${pid}.map`];
    return candidates.find((path) => readOrUndefined(() => statSync(path).isFile()) === true);
  }
}
