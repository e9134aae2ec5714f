// Starts: `go build` of the symbolizer's Go fixture (a real Go executable),
// read through a directory laid out as /proc (<pid>/exe links to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@stallscope/common';
import { GO_PROBE_FUNCTIONS } from '@stallscope/schemas';
import { ElfFile, readFunctionSymbols } from '../../src/symbols/index.js';
import { buildGoFixture, goSkipReason } from '../../src/symbols/test-fixtures/fixture-processes.js';
import { probeDeltaIn, readGoBinary } from './go-binary.js';
import { GoProbes } from './go-probes.js';

/** A fake /proc whose processes run the given executables. */
function procRootWith(processes: Record<number, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'stallscope-goprobes-'));
  for (const [pid, exe] of Object.entries(processes)) {
    mkdirSync(join(root, pid));
    symlinkSync(exe, join(root, pid, 'exe'));
  }
  return root;
}

/** File offsets of the probed functions' entries by the symbolizer's own ELF reader. */
function entriesBySymbolizer(path: string): bigint[] {
  const elf = ElfFile.open(path);
  try {
    const symbols = readFunctionSymbols(elf);
    return GO_PROBE_FUNCTIONS.map((fn) => {
      const symbol = symbols.find((s) => s.name === fn)!;
      const segment = elf.loadSegments.find((s) => s.vaddr <= symbol.start && symbol.start < s.vaddr + s.fileSize)!;
      return symbol.start - segment.vaddr + segment.offset;
    });
  } finally {
    elf.close();
  }
}

/**
 * What `go tool objdump` disassembles first in each probed function: the
 * file offset of the first conditional jump (the stack check's JBE) within
 * the first three instructions.
 */
function stackCheckJumpsByObjdump(path: string): bigint[] {
  const entries = entriesBySymbolizer(path);
  return GO_PROBE_FUNCTIONS.map((fn, i) => {
    const lines = execFileSync('go', ['tool', 'objdump', '-s', `^${fn.replace('.', '\\.')}$`, path], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /^\s+\S+:\d+\s+0x[0-9a-f]+/.test(line))
      .slice(0, 3);
    const start = BigInt(lines[0]!.trim().split(/\s+/)[1]!);
    const jump = lines.find((line) => /\tJBE /.test(line));
    assert.ok(jump, `${fn} opens with a stack check: ${lines.join(' / ')}`);
    return entries[i]! + BigInt(jump.trim().split(/\s+/)[1]!) - start;
  });
}

test('a Go executable: its version from build info, reason names from .symtab, probes at each function\'s stack-check jump', { skip: goSkipReason }, () => {
  const exe = buildGoFixture();
  const facts = readGoBinary(exe);
  assert.ok(facts);
  assert.equal(facts.goVersion, execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
  const expected = process.arch === 'x64' ? stackCheckJumpsByObjdump(exe) : entriesBySymbolizer(exe);
  assert.deepEqual(GO_PROBE_FUNCTIONS.map((fn) => facts.probeOffsets[fn]), expected);
  assert.ok(facts.stwReasons.includes('GC sweep termination') && facts.stwReasons.includes('GC mark termination'), facts.stwReasons.join(','));
  for (const reason of ['sync.Mutex.Lock', 'chan receive', 'chan send', 'select', 'IO wait', 'sleep', 'GC assist wait']) {
    assert.ok(facts.waitReasons.includes(reason), `wait reason ${reason} in ${facts.waitReasons.join(',')}`);
  }
  assert.equal(facts.waitReasons[0], '', 'code 0 is the runtime\'s empty reason');
});

test('a stripped Go executable: probes from .gopclntab and reason names found by their text, as the unstripped build has them', { skip: goSkipReason }, () => {
  const full = readGoBinary(buildGoFixture());
  const stripped = readGoBinary(buildGoFixture({ stripped: true }));
  assert.ok(full && stripped);
  assert.equal(ElfFile.open(buildGoFixture({ stripped: true })).sections.some((section) => section.name === '.symtab'), false, 'no .symtab left');
  assert.equal(Object.keys(stripped.probeOffsets).length, GO_PROBE_FUNCTIONS.length);
  // -s -w drops symbols and DWARF after the code: every function sits where it does in the unstripped build.
  assert.deepEqual(stripped.probeOffsets, full.probeOffsets);
  assert.deepEqual(stripped.waitReasons.slice(0, full.waitReasons.length), full.waitReasons);
  assert.deepEqual(stripped.stwReasons.slice(0, full.stwReasons.length), full.stwReasons);
  assert.ok(full.waitReasons.length > 10 && full.stwReasons.length > 5, `${full.waitReasons.join(',')} / ${full.stwReasons.join(',')}`);
});

test('a function opening otherwise is probed at its entry', () => {
  assert.equal(probeDeltaIn(Buffer.from([0x55, 0x48, 0x89, 0xe5, 0x49, 0x3b, 0x66, 0x10, 0x76, 0x05])), 0, 'PUSHQ BP first');
  assert.equal(probeDeltaIn(Buffer.from([0x49, 0x3b, 0x66, 0x10, 0x90, 0x90])), 0, 'a stack check without its jump');
  assert.equal(probeDeltaIn(Buffer.from([0x49, 0x3b, 0x66, 0x10, 0x76, 0x05])), 4, 'JBE rel8');
  assert.equal(probeDeltaIn(Buffer.from([0x4c, 0x8d, 0xa4, 0x24, 0x00, 0xfe, 0xff, 0xff, 0x4d, 0x3b, 0x66, 0x18, 0x0f, 0x86, 0, 0, 0, 0])), 12, 'LEAQ d32; CMPQ R12; JBE rel32');
});

test('a file that is not Go is no Go binary', { skip: goSkipReason }, () => {
  assert.equal(readGoBinary(process.execPath), undefined);
});

test('each Go file is probed once for all its processes, found running and at exec alike, and unprobed a while after its last process', { skip: goSkipReason }, () => {
  const exe = buildGoFixture();
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-goprobes-copy-'));
  const otherExe = join(dir, 'other-go');
  copyFileSync(exe, otherExe); // the same program in another file: probed apart
  const root = procRootWith({ 100: exe, 101: exe, 200: otherExe, 300: process.execPath });
  const commands: string[] = [];
  try {
    const probes = new GoProbes({ gc: true, goroutines: true, waits: true }, (line) => commands.push(line), createLogger('silent'), root);
    probes.onProcess(100);
    probes.onProcess(100); // found running, then its exec event: one probe set
    probes.onProcess(101);
    probes.onProcess(300);
    probes.onProcess(200);
    const offsets = GO_PROBE_FUNCTIONS.map((fn) => readGoBinary(exe)!.probeOffsets[fn]).join(' ');
    assert.deepEqual(commands, [`attach 0 ${root}/100/exe ${offsets}`, `attach 1 ${root}/200/exe ${offsets}`]);
    assert.equal(probes.binaryOf(101)?.goVersion, probes.binaryOf(100)?.goVersion);
    assert.equal(probes.binaryOf(300), undefined);

    probes.onExit(100);
    probes.onExit(101);
    assert.ok(probes.binaryOf(101), 'an exited process keeps its reason names for its last counters');
    probes.endInterval();
    probes.endInterval();
    assert.equal(probes.binaryOf(101), undefined);
    // The file stays probed a while: a new run of it (a build runs the compiler over and over) attaches nothing.
    mkdirSync(join(root, '102'));
    symlinkSync(exe, join(root, '102', 'exe'));
    probes.onProcess(102);
    probes.onExit(102);
    assert.equal(commands.length, 2, 'no detach and no new attach while the file was in use lately');
    for (let i = 0; i < 11; i++) probes.endInterval();
    assert.equal(commands.length, 2);
    probes.endInterval();
    assert.deepEqual(commands.slice(2), ['detach 0'], 'unprobed twelve intervals after its last process; the other file is still in use');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a part switched off leaves its functions unprobed', { skip: goSkipReason }, () => {
  const exe = buildGoFixture();
  const root = procRootWith({ 100: exe });
  const commands: string[] = [];
  try {
    new GoProbes({ gc: true, goroutines: false, waits: false }, (line) => commands.push(line), createLogger('silent'), root).onProcess(100);
    const [stop, start, ...rest] = commands[0]!.split(' ').slice(3);
    assert.ok(Number(stop) > 0 && Number(start) > 0);
    assert.deepEqual(rest, ['0', '0', '0', '0']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
