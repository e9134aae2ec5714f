// The embedded engine's floor of free disk space. Writing into a full
// filesystem fails mid-insert and mid-merge, and this engine does not undo all
// of such a failure. Seen here: a merge that committed a part whose marks file
// stayed empty (every later read of that table fails), and a disk-full test
// that found a rollup 48 calls short of its raw table, most likely an insert
// that failed after taking its deduplication record, so that its retry (same
// token) was skipped in that rollup. Refusing inserts before the filesystem is
// full keeps them out of that path; a refused insert is retried like any
// failed one.
import { statfsSync } from 'node:fs';

/** Thrown instead of an insert while the store's filesystem is below its floor. */
export class StoreDiskFloorError extends Error {
  constructor(
    readonly path: string,
    readonly freeBytes: number,
    readonly minFreeBytes: number,
  ) {
    super(`store disk below its floor: ${freeBytes} bytes free under ${path}, store.minFreeBytes is ${minFreeBytes}; inserts wait until space is freed`);
    this.name = 'StoreDiskFloorError';
  }
}

/** Free bytes an unprivileged writer may use on the filesystem holding `path`. */
export function freeBytes(path: string): number {
  const { bavail, bsize } = statfsSync(path);
  return bavail * bsize;
}

/** Throws StoreDiskFloorError while `path`'s filesystem has less than minFreeBytes free; 0 never throws. */
export function checkDiskFloor(path: string, minFreeBytes: number, free: (path: string) => number = freeBytes): void {
  if (minFreeBytes === 0) return;
  const available = free(path);
  if (available < minFreeBytes) throw new StoreDiskFloorError(path, available, minFreeBytes);
}
