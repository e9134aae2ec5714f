import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMapping, isExecutable, isFileBacked, parseProcMaps } from './proc-maps.js';
import { ElfFile, readBuildId, readFunctionSymbols } from './elf.js';
import { Symbolizer } from './symbolizer.js';
import {
  buildCFixture,
  buildGoFixture,
  cSkipReason,
  goSkipReason,
  startFixture,
  type FixtureProcess,
} from './test-fixtures/fixture-processes.js';

async function withFixture(executable: string, use: (fixture: FixtureProcess) => void | Promise<void>): Promise<void> {
  const fixture = await startFixture(executable);
  try {
    await use(fixture);
  } finally {
    fixture.child.kill('SIGKILL');
    await once(fixture.child, 'exit').catch(() => undefined);
  }
}

function addressOf(fixture: FixtureProcess, name: string): bigint {
  const address = fixture.addresses.get(name);
  assert.ok(address !== undefined && address !== 0n, `the fixture printed no address for ${name}`);
  return address;
}

test('symbolizes a running non-PIE Go binary: its own function and runtime.notesleep', { skip: goSkipReason, timeout: 120_000 }, async () => {
  await withFixture(buildGoFixture(), (fixture) => {
    const symbolizer = new Symbolizer({ maxFiles: 8 });
    const handler = addressOf(fixture, 'main.blockedInHandler');
    const notesleep = addressOf(fixture, 'runtime.notesleep');
    assert.ok(handler < 0x1000000n, 'go build makes a non-PIE executable loaded near 0x400000');
    assert.deepEqual(symbolizer.symbolize(fixture.pid, [notesleep, handler + 4n]), [
      { address: notesleep, symbol: 'runtime.notesleep', module: 'go-addresses' },
      { address: handler + 4n, symbol: 'main.blockedInHandler', module: 'go-addresses' },
    ]);
  });
});

test('symbolizes a running PIE C program: its own functions and pthread_mutex_lock in libc', { skip: cSkipReason }, async () => {
  await withFixture(buildCFixture(), (fixture) => {
    const symbolizer = new Symbolizer({ maxFiles: 8 });
    const own = addressOf(fixture, 'fixture_wait_for_kill');
    const unsized = addressOf(fixture, 'fixture_unsized');
    const mutexLock = addressOf(fixture, 'pthread_mutex_lock');
    const frames = symbolizer.symbolize(fixture.pid, [own, unsized + 1n, mutexLock + 1n]);
    assert.deepEqual(frames.map(({ symbol, module }) => [symbol, module]), [
      ['fixture_wait_for_kill', 'c-addresses'],
      ['fixture_unsized', 'c-addresses'],
      // Debian's libc.so.6 has no .symtab: this name comes from .dynsym.
      ['pthread_mutex_lock', 'libc.so.6'],
    ]);
  });
});

test('a cache of one file still names frames from two files, evicting as it goes', { skip: cSkipReason }, async () => {
  await withFixture(buildCFixture(), (fixture) => {
    const symbolizer = new Symbolizer({ maxFiles: 1 });
    const own = addressOf(fixture, 'fixture_wait_for_kill');
    const mutexLock = addressOf(fixture, 'pthread_mutex_lock');
    for (let round = 0; round < 3; round += 1) {
      assert.deepEqual(symbolizer.symbolize(fixture.pid, [own, mutexLock + 1n]).map((frame) => frame.symbol), [
        'fixture_wait_for_kill',
        'pthread_mutex_lock',
      ]);
    }
  });
});

test('symbol tables are held within their byte bound: the least recently used table goes first', { skip: cSkipReason }, async () => {
  await withFixture(buildCFixture(), (fixture) => {
    const own = addressOf(fixture, 'fixture_wait_for_kill');
    const mutexLock = addressOf(fixture, 'pthread_mutex_lock');
    const unbounded = new Symbolizer({ maxFiles: 8 });
    unbounded.symbolize(fixture.pid, [own]);
    const fixtureBytes = unbounded.cachedSymbolBytes;
    unbounded.symbolize(fixture.pid, [mutexLock + 1n]);
    const bothBytes = unbounded.cachedSymbolBytes;
    assert.ok(fixtureBytes > 0 && bothBytes > fixtureBytes, `tables are weighed: ${fixtureBytes}, then ${bothBytes} bytes`);

    // Room for the larger table (libc's) alone: each file's table replaces the other's.
    const bounded = new Symbolizer({ maxFiles: 8, maxSymbolBytes: bothBytes - 1 });
    for (let round = 0; round < 2; round += 1) {
      assert.deepEqual(bounded.symbolize(fixture.pid, [own, mutexLock + 1n]).map((frame) => frame.symbol), [
        'fixture_wait_for_kill',
        'pthread_mutex_lock',
      ]);
      assert.ok(bounded.cachedSymbolBytes <= bothBytes - 1, `held ${bounded.cachedSymbolBytes} bytes, bound ${bothBytes - 1}`);
    }
  });
});

test('a container process: files are read through /proc/PID/root, not the agent\'s view of the path', { skip: cSkipReason }, async () => {
  const executable = buildCFixture();
  await withFixture(executable, (fixture) => {
    // A proc tree whose process maps /app/c-addresses, a path only its root holds.
    const procRoot = mkdtempSync(join(tmpdir(), 'stallscope-proc-'));
    try {
      const processDir = join(procRoot, String(fixture.pid));
      const containerRoot = join(procRoot, 'container-root');
      mkdirSync(join(containerRoot, 'app'), { recursive: true });
      copyFileSync(executable, join(containerRoot, 'app', 'c-addresses'));
      mkdirSync(processDir);
      symlinkSync(containerRoot, join(processDir, 'root'));
      const maps = readFileSync(`/proc/${fixture.pid}/maps`, 'utf8').replaceAll(executable, '/app/c-addresses');
      writeFileSync(join(processDir, 'maps'), maps);
      const own = addressOf(fixture, 'fixture_wait_for_kill');
      assert.deepEqual(new Symbolizer({ maxFiles: 4, procRoot }).symbolize(fixture.pid, [own]), [
        { address: own, symbol: 'fixture_wait_for_kill', module: 'c-addresses' },
      ]);
    } finally {
      rmSync(procRoot, { recursive: true, force: true });
    }
  });
});

test('JIT code in anonymous memory is named from the process\'s perf map (node --perf-basic-prof)', { timeout: 30_000 }, async () => {
  const script = [
    'function stallscopeHotLoop(n) { let sum = 0; for (let i = 0; i < n; i++) sum += i % 7; return sum; }',
    'for (let i = 0; i < 2000; i++) stallscopeHotLoop(10000);',
    'console.log("ready");',
    'setInterval(() => {}, 1000);',
  ].join('\n');
  // --perf-basic-prof also writes a V8 log into the working directory: keep it out of the repository.
  const workDir = mkdtempSync(join(tmpdir(), 'stallscope-perf-map-'));
  const child = spawn(process.execPath, ['--perf-basic-prof', '-e', script], { cwd: workDir, stdio: ['ignore', 'pipe', 'inherit'] });
  const perfMapPath = `/tmp/perf-${child.pid}.map`;
  try {
    const [firstOutput] = await once(child.stdout!, 'data');
    assert.match(String(firstOutput), /ready/);
    const mappings = parseProcMaps(readFileSync(`/proc/${child.pid}/maps`, 'utf8'));
    const jitted = readFileSync(perfMapPath, 'utf8')
      .split('\n')
      .map((line) => /^([0-9a-f]+) [0-9a-f]+ (.*stallscopeHotLoop.*)$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ start: BigInt(`0x${match[1]}`), name: match[2]! }))
      .filter(({ start }) => {
        const mapping = findMapping(mappings, start);
        return mapping !== undefined && isExecutable(mapping) && !isFileBacked(mapping);
      })
      .at(-1);
    assert.ok(jitted, 'node wrote no perf-map line for stallscopeHotLoop in anonymous executable memory');
    const [frame] = new Symbolizer({ maxFiles: 4 }).symbolize(child.pid!, [jitted.start + 1n]);
    assert.deepEqual(frame, { address: jitted.start + 1n, symbol: jitted.name });
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit').catch(() => undefined);
    rmSync(perfMapPath, { force: true });
    rmSync(workDir, { recursive: true, force: true });
  }
});

test('an exited process never seen alive, an address in no mapping and a [vdso] address give frames without symbols', { skip: cSkipReason }, async () => {
  const symbolizer = new Symbolizer({ maxFiles: 4 });
  let exitedPid = 0;
  let address = 0n;
  await withFixture(buildCFixture(), (fixture) => {
    exitedPid = fixture.pid;
    address = addressOf(fixture, 'fixture_wait_for_kill');
    const vdso = parseProcMaps(readFileSync(`/proc/${fixture.pid}/maps`, 'utf8')).find((mapping) => mapping.path === '[vdso]');
    // The [vdso] address is a return address here (not the leaf): it is looked up one byte back.
    const inVdso = vdso ? [vdso.start + 1n] : [];
    const frames = symbolizer.symbolize(fixture.pid, [0x10n, ...inVdso]);
    assert.deepEqual(frames, [{ address: 0x10n }, ...inVdso.map((address) => ({ address, module: '[vdso]' }))]);
  });
  // Never seen alive: nothing to name it by.
  assert.deepEqual(new Symbolizer({ maxFiles: 4 }).symbolize(exitedPid, [address]), [{ address }]);
  // Seen alive moments ago: its last maps still name the frames of its final interval.
  assert.equal(symbolizer.symbolize(exitedPid, [address])[0]?.symbol, 'fixture_wait_for_kill');
});

test('an exited process whose stack holds a garbage frame is still named by its last maps', { skip: cSkipReason }, async () => {
  const symbolizer = new Symbolizer({ maxFiles: 4 });
  let exitedPid = 0;
  let address = 0n;
  await withFixture(buildCFixture(), (fixture) => {
    exitedPid = fixture.pid;
    address = addressOf(fixture, 'fixture_wait_for_kill');
    assert.equal(symbolizer.symbolize(fixture.pid, [address])[0]?.symbol, 'fixture_wait_for_kill');
  });
  // Past the re-read-after-a-miss interval (1 s): a frame in no mapping (what a frame-pointer walk
  // through code built without them returns) makes the maps be read again, and the process is gone.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const frames = symbolizer.symbolize(exitedPid, [address, 0x10n]);
  assert.equal(frames[0]?.symbol, 'fixture_wait_for_kill', 'the real frame keeps its name');
  assert.equal(frames.length, 1, 'the walk ends at the garbage frame');
});

test('a frame-pointer walk that ran into garbage ends there: no frame from the first address outside code on', { skip: cSkipReason }, async () => {
  await withFixture(buildCFixture(), (fixture) => {
    const symbolizer = new Symbolizer({ maxFiles: 8 });
    const own = addressOf(fixture, 'fixture_wait_for_kill');
    const unsized = addressOf(fixture, 'fixture_unsized');
    const mutexLock = addressOf(fixture, 'pthread_mutex_lock');
    const stack = parseProcMaps(readFileSync(`/proc/${fixture.pid}/maps`, 'utf8')).find((mapping) => mapping.path === '[stack]');
    assert.ok(stack && !isExecutable(stack), 'the fixture has a stack mapping that is not code');
    // Each distinct garbage word would have made a stack of its own.
    for (const garbage of [0x10n, 0x7f12_3456_789an, stack.start + 0x41n]) {
      const frames = symbolizer.symbolize(fixture.pid, [mutexLock, own + 1n, garbage, unsized + 1n]);
      assert.deepEqual(frames.map(({ symbol }) => symbol), ['pthread_mutex_lock', 'fixture_wait_for_kill'], `garbage 0x${garbage.toString(16)}`);
    }
    assert.equal(symbolizer.symbolize(fixture.pid, [0x10n, own + 1n]).length, 2, 'the leaf stays whatever it is: the walk starts there');
  });
});

test("glibc's internal wait functions are named from its debug file (libc6-dbg), found by build id", { skip: cSkipReason }, async () => {
  await withFixture(buildCFixture(), (fixture) => {
    const maps = parseProcMaps(readFileSync(`/proc/${fixture.pid}/maps`, 'utf8'));
    const libc = maps.find((mapping) => mapping.path.endsWith('/libc.so.6') && mapping.perms.includes('x'));
    assert.ok(libc, 'the fixture maps libc');
    const libcFile = ElfFile.open(`/proc/${fixture.pid}/root${libc.path}`);
    const buildId = readBuildId(libcFile);
    const segments = libcFile.loadSegments;
    libcFile.close();
    assert.ok(buildId, 'libc has a build id');
    const debugPath = `/usr/lib/debug/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`;
    const debugFile = ElfFile.open(debugPath);
    const wait = readFunctionSymbols(debugFile).find((symbol) => symbol.name === '__futex_abstimed_wait_common');
    debugFile.close();
    assert.ok(wait, `${debugPath} names __futex_abstimed_wait_common`);
    // The process address of the function's first byte: through the load segment holding it.
    const segment = segments.find((candidate) => candidate.vaddr <= wait.start && wait.start < candidate.vaddr + candidate.fileSize)!;
    const address = libc.start + (wait.start - segment.vaddr + segment.offset) - libc.offset;
    const [frame] = new Symbolizer({ maxFiles: 4 }).symbolize(fixture.pid, [address + 4n]);
    assert.equal(frame?.symbol, '__futex_abstimed_wait_common');
  });
});
