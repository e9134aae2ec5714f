import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Diagnosis } from '@stallscope/query-api';
import { runAgainstFakeApi } from '../test-fixtures/fake-api.js';

const cwd = mkdtempSync(join(tmpdir(), 'stallscope-cli-diagnose-test-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const call = { waitClassRule: 'syscall', fdTarget: 'file', peer: '', errno: '', threadId: '4243', host: 'host-a', pid: '4242', traceId: '' };
const diagnosis: Diagnosis = {
  service: 'ledger',
  window: '15m',
  from: '2026-11-22T05:00:00Z',
  to: '2026-11-22T05:15:00Z',
  slowestCalls: [
    { ...call, time: '2026-11-22T05:13:00Z', durationMs: 850, syscall: 'fsync', waitClass: 'disk', filePath: '/var/lib/ledger/wal' },
    { ...call, time: '2026-11-22T05:12:00Z', durationMs: 21, syscall: 'read', waitClass: 'network', fdTarget: 'socket', filePath: '', peer: '10.0.0.7:5432', traceId: 'ab12' },
  ],
  waitsByClass: [
    { waitClass: 'disk', blockedSeconds: 3, topSyscalls: [{ syscall: 'fsync', blockedSeconds: 3 }] },
    { waitClass: 'network', blockedSeconds: 0.5, topSyscalls: [{ syscall: 'read', blockedSeconds: 0.4 }, { syscall: 'recvfrom', blockedSeconds: 0.1 }] },
  ],
  idleBlockedSeconds: 60,
  offCpuStacks: [{ stack: 'main;ledger.commit;os.(*File).Sync;fsync;__schedule', threadState: 'uninterruptible', offCpuSeconds: 3 }],
  errorStorms: [],
  goRuntime: {
    gcPauses: 0,
    gcPauseSeconds: 0,
    gcPauseMaxMs: 0,
    gcCycles: 0,
    goroutinesCreated: 0,
    goroutinesCreatedPerSecond: 0,
    goroutineCreationAlarm: false,
    liveGoroutines: 0,
    topWaitReasons: [],
    parkStacks: [],
  },
  memory: {
    majorFaults: 12,
    minorFaults: 34_000,
    peakRssBytes: 64 * 1024 * 1024,
    oomKills: [
      {
        time: '2026-11-22T05:14:00.000Z',
        service: 'ledger',
        host: 'host-a',
        pid: 4242,
        command: 'ledger',
        cgroup: '/ledger',
        anonRssBytes: 63 * 1024 * 1024,
        fileRssBytes: 0,
        shmemRssBytes: 0,
        totalVmBytes: 200 * 1024 * 1024,
        oomScoreAdj: 0,
        triggerPid: 4242,
        flightRecorder: [
          { time: '2026-11-22T05:13:59.500Z', sampleMs: 250, faults: 2000, mmapBytes: 8 * 1024 * 1024, munmapBytes: 0, brkBytes: 0, rssBytes: null },
          { time: '2026-11-22T05:13:59.700Z', sampleMs: 0, faults: 0, mmapBytes: 0, munmapBytes: 0, brkBytes: 0, rssBytes: 60 * 1024 * 1024 },
          { time: '2026-11-22T05:13:59.750Z', sampleMs: 250, faults: 1000, mmapBytes: 4 * 1024 * 1024, munmapBytes: 0, brkBytes: 1024 * 1024, rssBytes: null },
        ],
      },
    ],
  },
};

test('diagnose renders waits, slowest calls with what they waited on, stacks and storms as sections', async () => {
  const result = await runAgainstFakeApi(['diagnose', 'ledger', '--window', '15m'], { body: diagnosis }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.requests[0]?.url, 'http://127.0.0.1:8470/v1/diagnose/ledger?window=15m');
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'diagnosis of ledger, last 15m (2026-11-22T05:00:00Z to 2026-11-22T05:15:00Z)');
  assert.equal(lines[2], 'waits by class (idle waits, left out: 60 s)');
  assert.match(lines[4]!, /^disk +3 s +fsync 3 s$/);
  assert.match(lines[5]!, /^network +500 ms +read 400 ms, recvfrom 100 ms$/);
  assert.equal(lines[7], 'slowest calls');
  assert.match(lines[9]!, /^2026-11-22T05:13:00Z +850 ms +fsync +disk +syscall +\/var\/lib\/ledger\/wal +- +host-a +4242 +4243 +-$/);
  assert.match(lines[10]!, /^2026-11-22T05:12:00Z +21 ms +read +network +syscall +10\.0\.0\.7:5432 +- +host-a +4242 +4243 +ab12$/);
  assert.match(lines[14]!, /^ +3 s +uninterruptible +main;ledger\.commit;os\.\(\*File\)\.Sync;fsync;__schedule$/);
  assert.equal(lines[16], 'error storms: none');
  assert.equal(lines[18], 'memory');
  assert.equal(lines[19], 'page faults: 12 major, 34,000 minor; peak RSS 64.0 MiB');
  assert.equal(lines[21], 'OOM kills');
  assert.match(lines[23]!, /^2026-11-22T05:14:00.000Z +host-a +4242 +ledger +\/ledger +63\.0 MiB +0\.50 s before: 3000 faults, mmap 12\.0 MiB, munmap 0\.0 MiB, brk 1\.0 MiB, RSS 60\.0 MiB$/);
});

test('on a narrow terminal a stack is cut at its root end, keeping the leaf frames', async () => {
  const result = await runAgainstFakeApi(['diagnose', 'ledger'], { body: diagnosis }, { cwd, isTTY: true, columns: 50, env: { NO_COLOR: '1' } });
  const stackLine = result.stdout.split('\n').find((line) => line.startsWith('    3 s'));
  assert.ok(stackLine !== undefined && stackLine.length <= 50, String(stackLine));
  assert.match(stackLine, /^ +3 s +uninterruptible +…[^;]*Sync;fsync;__schedule$/);
});

test('diagnose --markdown writes the API\'s Markdown as it came; with --json it is a usage error', async () => {
  const markdown = '# Diagnosis of ledger, last 15m\n';
  const result = await runAgainstFakeApi(['diagnose', 'ledger', '--markdown'], { body: markdown, contentType: 'text/markdown' }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(result.requests, [{ url: 'http://127.0.0.1:8470/v1/diagnose/ledger?format=markdown', accept: 'text/markdown' }]);
  assert.equal(result.stdout, markdown);
  const both = await runAgainstFakeApi(['diagnose', 'ledger', '--markdown', '--json'], {}, { cwd });
  assert.equal(both.code, 2);
  assert.equal(both.stderr, 'stallscope: give --markdown or --json, not both\n');
});

test('diagnose of a Go service adds the runtime: GC, goroutines with the creation alarm, goroutine waits', async () => {
  const goDiagnosis: Diagnosis = {
    ...diagnosis,
    goRuntime: {
      ...diagnosis.goRuntime,
      gcPauses: 76,
      gcPauseSeconds: 0.012,
      gcPauseMaxMs: 0.9,
      gcCycles: 38,
      goroutinesCreated: 40_000,
      goroutinesCreatedPerSecond: 800,
      goroutineCreationAlarm: true,
      liveGoroutines: 120,
      topWaitReasons: [{ waitReason: 'sync.Mutex.Lock', blockedSeconds: 12, parks: 3000 }],
    },
  };
  const result = await runAgainstFakeApi(['diagnose', 'ledger'], { body: goDiagnosis }, { cwd });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /GC: 38 cycles, 76 stop-the-world pauses/);
  assert.match(result.stdout, /goroutines: 40,000 created \(800\/s \(alarm: over 500\/s\)\), 120 live/);
  assert.match(result.stdout, /sync\.Mutex\.Lock +12 s +3,000/);
  const plain = await runAgainstFakeApi(['diagnose', 'ledger'], { body: diagnosis }, { cwd });
  assert.doesNotMatch(plain.stdout, /Go runtime/, 'nothing about Go for a service without Go programs');
});
