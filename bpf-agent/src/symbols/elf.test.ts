import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { WAIT_CLASS_RULES } from '@stallscope/schemas';
import { ElfFile, ElfFormatError, readBuildId, readElfSymbols, readFunctionSymbols, virtualAddressOfFileOffset } from './elf.js';
import { parseProcMaps } from './proc-maps.js';
import { buildCFixture, buildGoFixture, C_FIXTURE_BUILD_ID, cSkipReason, goSkipReason, startFixture } from './test-fixtures/fixture-processes.js';

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

// What glibc's own symbol tables can name, checked on Debian 12 (glibc 2.36,
// libc.so.6 stripped of .symtab, so .dynsym only):
//  named:     pthread_mutex_lock (and its alias __pthread_mutex_lock),
//             __lll_lock_wait_private, pthread_cond_wait/timedwait/clockwait,
//             sem_wait/timedwait/clockwait, pthread_join, pthread_rwlock_*;
//  not named: __lll_lock_wait (where a contended pthread_mutex_lock makes its
//             futex call), __futex_abstimed_wait_common(64) (where condition
//             variables, semaphores and joins make theirs), __pthread_cond_wait.
// So a libc leaf frame of a futex is usually unnamed (the frame still says
// libc.so.6), and since Debian builds glibc without frame pointers the frame
// that called into libc is often skipped too: the rules then see the frames
// above it, or fall back to the syscall default. With the debug symbols
// (.gnu_debuglink) the internal names would resolve.
const GLIBC_EXPORTED_WAIT_FUNCTIONS = [
  'pthread_mutex_lock',
  '__lll_lock_wait_private',
  'pthread_cond_wait',
  'pthread_cond_timedwait',
  'sem_wait',
  'sem_timedwait',
  'pthread_join',
  'pthread_rwlock_rdlock',
  'pthread_rwlock_wrlock',
];

test('glibc names its exported wait functions in .dynsym', { skip: cSkipReason }, async (t) => {
  const fixture = await startFixture(buildCFixture());
  try {
    const libc = parseProcMaps(readFileSync(`/proc/${fixture.pid}/maps`, 'utf8')).find((mapping) => /\/libc[.-]/.test(mapping.path));
    assert.ok(libc, 'the fixture maps a libc');
    const elf = ElfFile.open(`/proc/${fixture.pid}/root${libc.path}`);
    let names: Set<string>;
    try {
      names = new Set(readFunctionSymbols(elf).map((symbol) => symbol.name));
      t.diagnostic(`libc symbol tables: ${elf.sections.filter((s) => s.name === '.symtab' || s.name === '.dynsym').map((s) => s.name).join(', ')}`);
    } finally {
      elf.close();
    }
    assert.deepEqual(GLIBC_EXPORTED_WAIT_FUNCTIONS.filter((name) => !names.has(name)), []);
    const ruleNames = WAIT_CLASS_RULES.filter((rule) => rule.id.startsWith('glibc-'))
      .flatMap((rule) => rule.framePatterns)
      .flatMap((pattern) => ('exact' in pattern ? [pattern.exact] : []));
    t.diagnostic(`glibc rule names this libc cannot name: ${ruleNames.filter((name) => !names.has(name)).join(', ')}`);
  } finally {
    fixture.child.kill('SIGKILL');
    await once(fixture.child, 'exit').catch(() => undefined);
  }
});

// Frame-pointer stacks hold no inlined frames: runtime.mPark and
// runtime.lockWithRank are inlined into their callers in Go 1.26, so stacks
// show runtime.stopm and runtime.lock; the rules keep both names.
const GO_RUNTIME_FRAMES_SEEN_IN_STACKS = [
  'runtime.stopTheWorldWithSema',
  'runtime.(*rwmutex).rlock',
  'runtime.findRunnable',
  'runtime.stopm',
  'runtime.sysmon',
  'runtime.templateThread',
  'runtime.notesleep',
  'runtime.notetsleepg',
  'runtime.lock2',
  'runtime.lock',
];

test('the Go runtime functions the wait-class rules rely on are in a Go binary\'s .symtab', { skip: goSkipReason, timeout: 120_000 }, (t) => {
  const names = new Set<string>();
  const elf = ElfFile.open(buildGoFixture());
  try {
    for (const symbol of readFunctionSymbols(elf)) names.add(symbol.name);
  } finally {
    elf.close();
  }
  const ruleNames = WAIT_CLASS_RULES.filter((rule) => rule.id.startsWith('go-'))
    .flatMap((rule) => rule.framePatterns)
    .flatMap((pattern) => ('exact' in pattern ? [pattern.exact] : []));
  assert.deepEqual(GO_RUNTIME_FRAMES_SEEN_IN_STACKS.filter((name) => !ruleNames.includes(name)), [], 'rules name them');
  assert.deepEqual(GO_RUNTIME_FRAMES_SEEN_IN_STACKS.filter((name) => !names.has(name)), [], 'the binary has them');
  t.diagnostic(`go rule names absent from this binary (inlined, renamed or unused): ${ruleNames.filter((name) => !names.has(name)).join(', ')}`);
});

test("a binary with .symtab: the table keeps addresses, its names stay in the file, read through a descriptor closed with the table", { skip: cSkipReason }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-elf-names-'));
  const path = join(dir, 'fixture');
  copyFileSync(buildCFixture(), path);
  const openFds = () => readdirSync('/proc/self/fd').length;
  const fdsBefore = openFds();
  let table: ReturnType<typeof readElfSymbols> | undefined = readElfSymbols(path);
  const elf = ElfFile.open(path);
  const symbols = readFunctionSymbols(elf);
  elf.close();
  const waiting = symbols.find((symbol) => symbol.name === 'fixture_wait_for_kill')!;
  const nameBytes = symbols.reduce((sum, symbol) => sum + Buffer.byteLength(symbol.name), 0);
  assert.ok(table.symbols.byteSize < table.symbols.size * 32, `${table.symbols.byteSize} bytes for ${table.symbols.size} symbols (${nameBytes} bytes of names)`);
  // Deleted (a deploy replaced it): still named, through the open file.
  rmSync(dir, { recursive: true });
  assert.equal(table.symbols.lookup(waiting.start + 1n), 'fixture_wait_for_kill');
  assert.equal(openFds(), fdsBefore + 1, 'one descriptor while the table lives');

  table = undefined;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let tries = 0; tries < 50 && openFds() > fdsBefore; tries++) {
    gc();
    await sleep(20);
  }
  assert.equal(openFds(), fdsBefore, 'closed once the table was collected');
});
