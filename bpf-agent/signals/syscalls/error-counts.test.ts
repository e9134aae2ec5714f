// Starts (real-kernel test): the stallscope-loader and a small C program that
// makes 1,000 reads fail with EAGAIN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricAttr, syscallArchOf, syscallNumbers } from '@stallscope/schemas';
import type { LoaderRecord, SyscallErrorsRecord } from '../../src/loader/records.js';
import { ErrorCounts, errorResourceMetrics } from './error-counts.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const errors = (tgid: number, errno: number, count: number): SyscallErrorsRecord => ({
  type: 'syscall-errors',
  tgid,
  syscallNr: 0,
  errno,
  count: BigInt(count),
});
const names = (record: SyscallErrorsRecord) => ({ serviceName: record.tgid < 20 ? 'api' : 'db', syscallName: 'read' });

test('error counts: deltas per service, syscall and errno; a counter that went down counts whole', () => {
  const counts = new ErrorCounts();
  assert.deepEqual(counts.next([errors(10, 11, 5), errors(11, 11, 2), errors(30, 4, 1)], names), [
    { serviceName: 'api', syscallName: 'read', errno: 11, count: 7 },
    { serviceName: 'db', syscallName: 'read', errno: 4, count: 1 },
  ]);
  assert.deepEqual(counts.next([errors(10, 11, 9), errors(11, 11, 2), errors(30, 4, 1)], names), [
    { serviceName: 'api', syscallName: 'read', errno: 11, count: 4 },
  ]);
  assert.deepEqual(counts.next([errors(10, 11, 3)], names), [{ serviceName: 'api', syscallName: 'read', errno: 11, count: 3 }]);
});

test('error counts become a monotonic delta sum named by errno and its class', () => {
  const [rm] = errorResourceMetrics([{ serviceName: 'api', syscallName: 'read', errno: 11, count: 7 }], {
    hostName: 'h',
    startTime: [1, 0],
    endTime: [2, 0],
  });
  const metric = rm!.scopeMetrics[0]!.metrics[0]!;
  assert.equal(metric.descriptor.name, 'syscall.errors');
  assert.equal(metric.dataPoints[0]!.value, 7);
  assert.deepEqual(metric.dataPoints[0]!.attributes, {
    [MetricAttr.syscallName]: 'read',
    [MetricAttr.errnoName]: 'EAGAIN',
    [MetricAttr.errorType]: 'EAGAIN',
  });
});

const skipReason = loaderSkipReason();

test('the kernel counts every failed call of a fast EAGAIN storm', { skip: skipReason, timeout: 30_000 }, async () => {
  const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-eagain-')), 'eagain-storm');
  execFileSync('cc', ['-O2', '-o', exe, join(import.meta.dirname, '..', '..', '..', 'signals', 'syscalls', 'test-fixtures', 'eagain-storm.c')]);
  const [readNr] = syscallNumbers(syscallArchOf(process.arch), ['read']);
  const records: LoaderRecord[] = [];
  const loader = spawnTestLoader({
    signals: ['syscalls'],
    onRecord: (record) => records.push(record),
  });
  try {
    await loader.hello;
    const child = spawn(exe, ['1000'], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    const seen = () =>
      records.filter((r): r is SyscallErrorsRecord => r.type === 'syscall-errors' && r.tgid === child.pid && r.syscallNr === readNr);
    const deadline = Date.now() + 10_000;
    while (seen().length === 0 && Date.now() < deadline) await sleep(50);
    const last = seen().at(-1);
    assert.ok(last, 'failed reads of the child were counted');
    assert.equal(last.errno, 11, 'EAGAIN');
    assert.equal(last.count, 1000n, 'every one of the 1,000 failed reads, exactly');
  } finally {
    await loader.stop();
  }
});
