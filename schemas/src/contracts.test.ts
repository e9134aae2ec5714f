import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricAttr, Metrics, RUN_QUEUE_PSEUDO_SYSCALL, ResourceAttr } from './attributes.js';
import { OFFCPU_STATES } from './loader-records.js';
import { migrationsDir } from './paths.js';
import { syscallName, syscallNumbers } from './syscalls/index.js';
import { waitClassOfSyscall } from './wait-class.js';

test('the rollup view reads the metric and attribute names the agent writes', () => {
  const sql = readFileSync(join(migrationsDir, '0003_kernel_syscall_minutely.sql'), 'utf8');
  assert.ok(sql.includes(`MetricName = '${Metrics.syscallDuration.name}'`));
  assert.ok(sql.includes(`Attributes['${MetricAttr.syscallName}']`));
  assert.ok(sql.includes(`Attributes['${MetricAttr.waitClass}']`));
  assert.ok(sql.includes(`ResourceAttributes['${ResourceAttr.hostName}']`));
});

test('the run-queue view reads the off-CPU metric the agent writes, into the rollup', () => {
  const sql = readFileSync(join(migrationsDir, '0006_kernel_run_queue_rollup.sql'), 'utf8');
  assert.ok(sql.includes(`MetricName = '${Metrics.offCpuDuration.name}'`));
  assert.ok(sql.includes(`Attributes['${MetricAttr.threadState}'] = '${OFFCPU_STATES[0]}'`));
  assert.ok(sql.includes(`'${RUN_QUEUE_PSEUDO_SYSCALL}' AS Syscall`));
  assert.ok(sql.includes(`'run-queue' AS WaitClass`));
});

test('syscall tables name both architectures', () => {
  assert.equal(syscallName('x86_64', 202), 'futex');
  assert.equal(syscallName('x86_64', 230), 'clock_nanosleep');
  assert.equal(syscallName('arm64', 98), 'futex');
  assert.equal(syscallName('arm64', 63), 'read');
  assert.equal(syscallName('x86_64', 9999), 'syscall_9999');
  assert.deepEqual(syscallNumbers('x86_64', ['read', 'write']), [0, 1]);
  // In the order named, as callers destructure them: not the table's order.
  assert.deepEqual(syscallNumbers('x86_64', ['futex', 'read']), [202, 0]);
  assert.deepEqual(syscallNumbers('arm64', ['futex', 'read']), [98, 63]);
  assert.throws(() => syscallNumbers('arm64', ['epoll_wait']), /no syscall named epoll_wait on arm64/);
});

test('syscall-name defaults, used only when no stack or fd target decides the class', () => {
  assert.equal(waitClassOfSyscall('epoll_pwait'), 'idle');
  assert.equal(waitClassOfSyscall('futex'), 'lock');
  assert.equal(waitClassOfSyscall('fsync'), 'disk');
  assert.equal(waitClassOfSyscall('connect'), 'network');
  assert.equal(waitClassOfSyscall('msgrcv'), 'ipc');
  assert.equal(waitClassOfSyscall('read'), 'other');
});
