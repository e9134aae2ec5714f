import { closeSync, readSync } from 'node:fs';

/** Closes a table's file once the table is collected (an LRU cache drops tables without telling them). */
const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing is held.
  }
});

let scratch = Buffer.allocUnsafe(512);

/**
 * An open file whose string tables hold a symbol table's names: the names are
 * read at lookup, not kept. A C++ binary's names are most of its table
 * (Node.js: 16.7 MB of 19.3), and the file stays readable through the open
 * descriptor even if the process that mapped it exits or the file is replaced.
 */
export class NameFile {
  constructor(private readonly fd: number) {
    closeOnCollect.register(this, fd);
  }

  /** The UTF-8 name of `length` bytes at `offset`; undefined if the file no longer gives them. */
  read(offset: number, length: number): string | undefined {
    if (length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
    try {
      return readSync(this.fd, scratch, 0, length, offset) === length ? scratch.toString('utf8', 0, length) : undefined;
    } catch {
      return undefined;
    }
  }
}
