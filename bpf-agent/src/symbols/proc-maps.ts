/** One line of /proc/PID/maps. */
export interface MemoryMapping {
  start: bigint;
  /** Exclusive. */
  end: bigint;
  /** e.g. 'r-xp'. */
  perms: string;
  /** Offset in the mapped file. */
  offset: bigint;
  /** major:minor in hex, as the kernel prints it. */
  dev: string;
  /** 0 for anonymous mappings. */
  inode: bigint;
  /** File path without the ' (deleted)' suffix; '' when anonymous; '[vdso]', '[heap]'... for kernel-named ones. */
  path: string;
  /** The file was unlinked (or is a memfd) while still mapped: its path no longer opens it. */
  deleted: boolean;
}

const MAPS_LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s*(.*)$/;
const DELETED_SUFFIX = ' (deleted)';

/**
 * A copy of a path read from the maps text. V8 makes a long substring a view
 * of its parent string, and the agent caches mappings: each cached path would
 * keep its whole maps text (up to MBs for a JVM) alive.
 */
function copied(path: string): string {
  return path === '' ? path : Buffer.from(path, 'utf8').toString('utf8');
}

export function parseProcMaps(text: string): MemoryMapping[] {
  const mappings: MemoryMapping[] = [];
  // A file's segments are consecutive lines: they share one copy of its path.
  let lastRawPath = '';
  let lastPath = '';
  for (const line of text.split('\n')) {
    const match = MAPS_LINE.exec(line);
    if (!match) continue;
    const [, start, end, perms, offset, dev, inode, rawPath] = match as unknown as [string, string, string, string, string, string, string, string];
    const deleted = rawPath.endsWith(DELETED_SUFFIX);
    if (rawPath !== lastRawPath) {
      lastRawPath = rawPath;
      lastPath = copied(deleted ? rawPath.slice(0, -DELETED_SUFFIX.length) : rawPath);
    }
    mappings.push({
      start: BigInt(`0x${start}`),
      end: BigInt(`0x${end}`),
      perms,
      offset: BigInt(`0x${offset}`),
      dev,
      inode: BigInt(inode),
      path: lastPath,
      deleted,
    });
  }
  // findMapping needs address order; the kernel already prints it, sorting keeps hand-made input honest.
  return mappings.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The mapping holding `address`, by binary search over mappings sorted by start. */
export function findMapping(mappings: readonly MemoryMapping[], address: bigint): MemoryMapping | undefined {
  let low = 0;
  let high = mappings.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const mapping = mappings[middle]!;
    if (address < mapping.start) high = middle - 1;
    else if (address >= mapping.end) low = middle + 1;
    else return mapping;
  }
  return undefined;
}

/** A mapping of a file on a filesystem (memfd included), as opposed to anonymous memory or [vdso]-like regions. */
export function isFileBacked(mapping: MemoryMapping): boolean {
  return mapping.inode !== 0n && mapping.path.startsWith('/');
}

export function isExecutable(mapping: MemoryMapping): boolean {
  return mapping.perms[2] === 'x';
}
