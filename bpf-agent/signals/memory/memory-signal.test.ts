// Starts (real-kernel test): the stallscope-loader with the memory signal, and
// a C program (test-fixtures/page-toucher.c) that maps and touches a known
// number of pages at a known rate, then grows its heap with sbrk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { MEMORY_SLOT_NS, MetricAttr } from '@stallscope/schemas';
import type { LoaderRecord, MemorySampleRecord } from '../../src/loader/records.js';
import { ProcessRegistry } from '../../src/process/process-registry.js';
import { createMemorySignal } from './memory-signal.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const skipReason = loaderSkipReason();

const PAGES = 20_000;
const PAGES_PER_SEC = 10_000;
const HEAP_BYTES = 8 * 1024 * 1024;

function buildToucher(): string {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-toucher-')), 'page-toucher');
  execFileSync('cc', ['-O2', '-Wall', '-o', exe, join(import.meta.dirname, '..', '..', '..', 'signals', 'memory', 'test-fixtures', 'page-toucher.c')]);
  return exe;
}

// Alone, the memory signal counts mmap, munmap and brk in a sys_exit program of its
// own; with the syscalls signal, that signal's sys_exit program counts them for it.
for (const signals of [['memory'], ['syscalls', 'memory']] as const) {
  test(`${signals.join(' + ')}: a program touching 20000 pages at 10000 a second: its faults counted within 10%, at that rate, with its mmap and heap growth`, { skip: skipReason, timeout: 60_000 }, async (t) => {
    const exe = buildToucher();
    const records: LoaderRecord[] = [];
    const loader = spawnTestLoader({
      signals: [...signals],
      onRecord: (record) => records.push(record),
    });
    try {
      await loader.hello;
      const child = spawn(exe, [String(PAGES), String(PAGES_PER_SEC), String(HEAP_BYTES)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0);
      const ran = JSON.parse(stdout) as { pid: number; pages: number; touchMs: number };
      // The last slot ends, then the next snapshots send it.
      await sleep(MEMORY_SLOT_NS / 1e6 + 500);

      const samples = records.filter((r): r is MemorySampleRecord => r.type === 'memory-sample' && r.tgid === ran.pid);
      const faults = samples.reduce((n, s) => n + Number(s.faults), 0);
      const mmapBytes = samples.reduce((n, s) => n + Number(s.mmapBytes), 0);
      const munmapBytes = samples.reduce((n, s) => n + Number(s.munmapBytes), 0);
      const brkBytes = samples.reduce((n, s) => n + Number(s.brkBytes), 0);
      // The busiest slots are whole slots of touching: their rate is the program's.
      const slotRates = samples.map((s) => (Number(s.faults) * 1e9) / MEMORY_SLOT_NS).sort((a, b) => b - a);
      const medianBusyRate = slotRates[Math.floor((ran.touchMs / (MEMORY_SLOT_NS / 1e6)) / 2)] ?? 0;
      t.diagnostic(`faults ${faults} for ${PAGES} pages in ${ran.touchMs} ms; median busy slot ${medianBusyRate.toFixed(0)}/s; mmap ${mmapBytes} munmap ${munmapBytes} brk ${brkBytes} bytes`);
      assert.ok(Math.abs(faults - PAGES) <= PAGES * 0.1, `faults ${faults} within 10% of the ${PAGES} pages touched`);
      assert.ok(Math.abs(medianBusyRate - PAGES_PER_SEC) <= PAGES_PER_SEC * 0.25, `slot fault rate ${medianBusyRate}/s near ${PAGES_PER_SEC}/s`);
      const mapped = PAGES * 4096;
      assert.ok(mmapBytes >= mapped && mmapBytes < mapped + 16 * 1024 * 1024, `mmap bytes ${mmapBytes}: the mapping plus the dynamic loader's few`);
      assert.ok(munmapBytes >= mapped, `munmap bytes ${munmapBytes} hold the mapping`);
      assert.ok(brkBytes >= HEAP_BYTES && brkBytes < HEAP_BYTES + 1024 * 1024, `heap growth ${brkBytes} of the ${HEAP_BYTES} sbrk'd`);

      // Through the agent's signal: process.paging.faults of the service, minor (nothing was read from disk).
      const processes = new ProcessRegistry(100, (tgid) => ({ serviceName: `svc-${tgid}`, executableName: 'page-toucher', containerId: undefined }), () => 1);
      const signal = createMemorySignal(
        { hostName: 'test-host', processes, toUnixNs: (ns) => ns, command: () => {} },
        { flightRecorderSeconds: 5, flightRecorderMaxProcesses: 16, flightRecorderThresholdMiB: 0, rssTopProcesses: 5 },
      );
      for (const r of records) if (signal.recordTypes.includes(r.type)) signal.onRecord(r);
      const output = signal.endInterval({ startTime: [1, 0], endTime: [2, 0] });
      const metric = output.resourceMetrics
        .filter((rm) => rm.resource.attributes['service.name'] === `svc-${ran.pid}`)
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
        .find((m) => m.descriptor.name === 'process.paging.faults');
      assert.ok(metric && metric.dataPointType === DataPointType.SUM);
      assert.deepEqual(metric.dataPoints.map((p) => [p.attributes[MetricAttr.pagingFaultType], p.value]), [['minor', faults]]);
    } finally {
      await loader.stop();
    }
  });
}

/** The loader's BPF attachments as bpftool lists them (tracepoints, raw tracepoints). */
function attachmentsOf(pid: number): { fd_type: string; tracepoint?: string }[] {
  const listed = JSON.parse(execFileSync('bpftool', ['-j', 'perf', 'show'], { encoding: 'utf8' })) as { pid: number; fd_type: string; tracepoint?: string }[];
  return listed.filter((attachment) => attachment.pid === pid);
}

// A second program on a syscall tracepoint makes every syscall of the host call each
// through the tracepoint's iterator, and enabling any syscalls:sys_enter_* / sys_exit_*
// tracepoint puts the kernel's per-syscall check on the entry and exit of every syscall:
// each ~100 ns a call on bench/syscall-overhead.mjs's getppid storm, traced or not.
/** The syscalls signal's own timing hooks: off-CPU timing (the default on x86-64) has the sync calls' entry tracepoints, no program on raw sys_enter. */
const syscallTimingHooks =
  process.arch === 'x64'
    ? ['raw_tracepoint sched_switch', ...['fdatasync', 'fsync', 'msync', 'sync', 'sync_file_range', 'syncfs'].map((call) => `tracepoint sys_enter_${call}`)]
    : ['raw_tracepoint sys_enter'];
const hooksBySignals = [
  { signals: ['memory'], hooks: ['raw_tracepoint page_fault_user', 'raw_tracepoint sys_exit', 'tracepoint mark_victim'] },
  {
    signals: ['syscalls', 'memory'],
    hooks: ['raw_tracepoint page_fault_user', 'raw_tracepoint sched_process_exit', 'raw_tracepoint sys_exit', 'tracepoint mark_victim', ...syscallTimingHooks],
  },
] as const;
for (const { signals, hooks } of hooksBySignals) {
  test(`${signals.join(' + ')}: mmap, munmap and brk take one program on raw sys_exit in all, and no syscall tracepoint of their own`, { skip: skipReason, timeout: 60_000 }, async () => {
    const loader = spawnTestLoader({ signals: [...signals], onRecord: () => {} });
    try {
      await loader.hello;
      const named = attachmentsOf(loader.pid).map((attachment) => `${attachment.fd_type} ${attachment.tracepoint ?? ''}`).sort();
      assert.deepEqual(named, [...hooks].sort());
    } finally {
      await loader.stop();
    }
  });
}
