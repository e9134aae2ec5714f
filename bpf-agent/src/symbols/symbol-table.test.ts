import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parsePerfMap } from './perf-map.js';
import { SymbolTable } from './symbol-table.js';

const GLOBAL = 1;
const WEAK = 2;
const LOCAL = 0;

test('aliases at one address give the public name', () => {
  const table = new SymbolTable([
    { name: '__pthread_mutex_lock', start: 0x1000n, size: 0x40n, binding: GLOBAL },
    { name: 'pthread_mutex_lock', start: 0x1000n, size: 0x40n, binding: GLOBAL },
    { name: 'mutex_lock_alias', start: 0x1000n, size: 0x40n, binding: LOCAL },
    { name: 'weak_first', start: 0x2000n, size: 0x10n, binding: WEAK },
    { name: 'a_strong', start: 0x2000n, size: 0x10n, binding: GLOBAL },
  ]);
  assert.equal(table.lookup(0x1000n), 'pthread_mutex_lock');
  assert.equal(table.lookup(0x103fn), 'pthread_mutex_lock');
  assert.equal(table.lookup(0x2008n), 'a_strong');
  assert.equal(table.size, 2);
});

test('an address past a sized symbol has no name (a static function missing from .dynsym)', () => {
  const table = new SymbolTable([
    { name: 'exported', start: 0x1000n, size: 0x10n, binding: GLOBAL },
    { name: 'next', start: 0x2000n, size: 0x10n, binding: GLOBAL },
  ]);
  assert.equal(table.lookup(0x1010n), undefined);
  assert.equal(table.lookup(0xfffn), undefined);
  assert.equal(table.lookup(0x2010n), undefined);
});

test('a size-0 symbol runs to the next symbol or its section end', () => {
  const table = new SymbolTable([
    { name: 'asm_entry', start: 0x1000n, size: 0n, binding: GLOBAL, sectionEnd: 0x3000n },
    { name: 'next', start: 0x1800n, size: 0x10n, binding: GLOBAL },
    { name: 'asm_last', start: 0x2000n, size: 0n, binding: GLOBAL, sectionEnd: 0x2100n },
  ]);
  assert.equal(table.lookup(0x17ffn), 'asm_entry');
  assert.equal(table.lookup(0x1800n), 'next');
  assert.equal(table.lookup(0x20ffn), 'asm_last');
  assert.equal(table.lookup(0x2100n), undefined);
});

test('perf map lines: hex start and size, names with spaces, the latest line for an address wins', () => {
  const table = parsePerfMap([
    '3f0a00001000 40 JS:~handleRequest /srv/app.js:10:3',
    '0x3f0a00002000 0x20 Builtin:ArrayPush',
    'not a perf map line',
    '3f0a00001000 40 JS:*handleRequest /srv/app.js:10:3',
    '',
  ].join('\n'));
  assert.equal(table.lookup(0x3f0a00001010n), 'JS:*handleRequest /srv/app.js:10:3');
  assert.equal(table.lookup(0x3f0a0000201fn), 'Builtin:ArrayPush');
  assert.equal(table.lookup(0x3f0a00002020n), undefined);
});

test('a function looked up again gives the same string, not another copy of its name', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const name = 'v8::internal::ScavengerCollector::CollectGarbage()';
  const table = new SymbolTable([{ name, start: 0x1000n, size: 0x100n, binding: GLOBAL }]);
  // As an agent keeps stacks: the same function in many of them.
  const frames: (string | undefined)[] = new Array(20_000);
  gc();
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < frames.length; i++) frames[i] = table.lookup(0x1010n + BigInt(i % 200));
  gc();
  const grown = getHeapStatistics().used_heap_size - before;
  assert.ok(frames.every((frame) => frame === name));
  assert.ok(grown < 400_000, `20,000 frames of one function hold ${(grown / 1e6).toFixed(2)} MB`);
});
