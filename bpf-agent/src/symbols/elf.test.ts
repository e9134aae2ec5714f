import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ElfFile, ElfFormatError, readBuildId, readElfSymbols, readFunctionSymbols, virtualAddressOfFileOffset } from './elf.js';
import { buildCFixture, C_FIXTURE_BUILD_ID, cSkipReason } from './test-fixtures/fixture-processes.js';

test('ELF reader: build id, defined function symbols, a size-0 assembly symbol', { skip: cSkipReason }, () => {
  const path = buildCFixture();
  const elf = ElfFile.open(path);
  let unsizedStart: bigint;
  try {
    assert.equal(readBuildId(elf), C_FIXTURE_BUILD_ID);
    const symbols = readFunctionSymbols(elf);
    const named = (name: string) => symbols.find((symbol) => symbol.name === name);
    assert.ok(named('fixture_wait_for_kill')!.size > 0n);
    assert.equal(named('fixture_unsized')!.size, 0n);
    unsizedStart = named('fixture_unsized')!.start;
    assert.equal(named('__libc_start_main'), undefined, 'imports are not code of this file');
    assert.ok(elf.loadSegments.some((segment) => segment.offset === 0n && segment.vaddr === 0n), 'a PIE loads from 0');
  } finally {
    elf.close();
  }
  const table = readElfSymbols(path);
  assert.equal(table.buildId, C_FIXTURE_BUILD_ID);
  assert.equal(table.symbols.lookup(unsizedStart + 1n), 'fixture_unsized', 'a size-0 symbol covers the bytes after it');
});

test('a file offset becomes a virtual address through the PT_LOAD holding it', () => {
  const segments = [
    { offset: 0n, vaddr: 0x400000n, fileSize: 0x1000n },
    { offset: 0x1000n, vaddr: 0x601000n, fileSize: 0x5000n },
  ];
  assert.equal(virtualAddressOfFileOffset(segments, 0x10n), 0x400010n);
  assert.equal(virtualAddressOfFileOffset(segments, 0x1234n), 0x601234n);
  assert.equal(virtualAddressOfFileOffset(segments, 0x6000n), undefined);
});

test('a file that is not ELF is refused with ElfFormatError', () => {
  assert.throws(() => ElfFile.open(fileURLToPath(import.meta.url)), ElfFormatError);
});
