// Starts: the Go toolchain (builds the go-addresses fixture plain, stripped and
// externally linked) and runs the stripped builds, which print the entries of
// their own functions as the Go runtime knows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile, readElfSymbols, readFunctionSymbols, readGoBuildId } from './elf.js';
import { LruCache } from './lru-cache.js';
import { readGoFunctionSymbols } from './gopclntab.js';
import { SymbolTable } from './symbol-table.js';
import { buildGoFixture, goSkipReason, startFixture } from './test-fixtures/fixture-processes.js';

if (goSkipReason) console.log(`skipping .gopclntab tests: ${goSkipReason}`);

function withElf<T>(path: string, read: (elf: ElfFile) => T): T {
  const elf = ElfFile.open(path);
  try {
    return read(elf);
  } finally {
    elf.close();
  }
}

for (const externalLink of [false, true]) {
  const linking = externalLink ? 'linked by the system linker' : 'linked by Go';
  test(`a stripped Go binary (${linking}) keeps its function names through .gopclntab`, { skip: goSkipReason, timeout: 120_000 }, async () => {
    const stripped = buildGoFixture({ stripped: true, externalLink });
    assert.deepEqual(withElf(stripped, readFunctionSymbols).filter((symbol) => symbol.name.startsWith('main.')), [], 'no .symtab names left');

    const fixture = await startFixture(stripped);
    try {
      const table = readElfSymbols(stripped).symbols;
      for (const [name, address] of fixture.addresses) {
        assert.equal(table.lookup(address), name, `${name} at its entry 0x${address.toString(16)}`);
        assert.equal(table.lookup(address + 4n), name, `${name} a few bytes in`);
      }
    } finally {
      fixture.child.kill('SIGKILL');
    }
  });

  test(`.gopclntab functions (${linking}) start where the unstripped build's .symtab says`, { skip: goSkipReason, timeout: 120_000 }, () => {
    const fromPclntab = withElf(buildGoFixture({ stripped: true, externalLink }), readGoFunctionSymbols);
    const symtab = withElf(buildGoFixture({ externalLink }), readFunctionSymbols);
    // .symtab names an assembly function's ABI0 entry `name.abi0`; the pclntab names both entries `name`.
    const symtabEntries = new Set(symtab.map((symbol) => `${symbol.name.replace(/\.abi0$/, '')}@${symbol.start}`));
    const symtabNames = new Set(symtab.map((symbol) => symbol.name));
    const both = fromPclntab.filter((symbol) => symtabNames.has(symbol.name));
    assert.ok(both.length > 1000, `most functions are in both tables (${both.length} of ${fromPclntab.length})`);
    const moved = both.filter((symbol) => !symtabEntries.has(`${symbol.name}@${symbol.start}`));
    assert.deepEqual(moved.slice(0, 5).map((symbol) => symbol.name), [], 'every function starts at a .symtab address of its name');
    const lookup = new SymbolTable(fromPclntab);
    const handler = symtab.find((symbol) => symbol.name === 'main.blockedInHandler')!.start;
    assert.equal(lookup.lookup(handler + 1n), 'main.blockedInHandler');
  });
}

test('a file without .gopclntab gives no Go functions', () => {
  assert.deepEqual(withElf(process.execPath, readGoFunctionSymbols), []);
});

test('one parse per build: a copy of a stripped Go binary (another inode) reuses its symbol table by Go build id', { skip: goSkipReason, timeout: 120_000 }, () => {
  const stripped = buildGoFixture({ stripped: true });
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-build-id-'));
  try {
    const copy = join(dir, 'copy');
    copyFileSync(stripped, copy);
    const buildId = withElf(stripped, readGoBuildId);
    assert.ok(buildId !== undefined && buildId.length > 10, `a Go build id (${buildId})`);
    assert.equal(withElf(copy, readGoBuildId), buildId);
    const cache = new LruCache<string, SymbolTable>(4);
    const first = readElfSymbols(stripped, [], cache);
    const second = readElfSymbols(copy, [], cache);
    assert.notEqual(first.inode, second.inode);
    assert.equal(second.symbols, first.symbols, 'the same table, not parsed again');
    assert.equal(cache.size, 1);
    const other = readElfSymbols(buildGoFixture({ stripped: true, externalLink: true }), [], cache);
    assert.notEqual(other.symbols, first.symbols, 'another build is parsed on its own');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
