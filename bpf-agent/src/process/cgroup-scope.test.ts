import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CgroupScopeError, parseCgroupScope } from './cgroup-scope.js';

// /proc/PID/cgroup of a process on a hybrid layout (v1 controllers beside the v2 unified hierarchy).
const hybrid = (v2Path: string, memoryPath: string): string =>
  `9:name=systemd:/\n8:pids:/\n4:memory:${memoryPath}\n2:cpu,cpuacct:/\n0::${v2Path}\n`;

test('no scope: every process', () => {
  assert.equal(parseCgroupScope(''), undefined);
});

test('a v2 scope holds its cgroup and its subtree, not its siblings or a name sharing its prefix', () => {
  const scope = parseCgroupScope('/fleet/host-a')!;
  assert.equal(scope.contains('0::/fleet/host-a\n'), true);
  assert.equal(scope.contains('0::/fleet/host-a/workers\n'), true);
  assert.equal(scope.contains('0::/fleet/host-b\n'), false);
  assert.equal(scope.contains('0::/fleet/host-ab\n'), false);
  assert.equal(scope.contains('0::/fleet\n'), false);
  assert.equal(scope.contains('0::/\n'), false);
});

test('a v2 scope reads the unified line of a hybrid layout, never a v1 line of the same path', () => {
  const scope = parseCgroupScope('/fleet/host-a/')!;
  assert.equal(scope.contains(hybrid('/fleet/host-a', '/')), true);
  assert.equal(scope.contains(hybrid('/', '/fleet/host-a')), false);
});

test('a v1 scope reads its own hierarchy, by controller or by name', () => {
  assert.equal(parseCgroupScope('memory:/fleet/host-a')!.contains(hybrid('/', '/fleet/host-a/x')), true);
  assert.equal(parseCgroupScope('memory:/fleet/host-a')!.contains(hybrid('/fleet/host-a', '/')), false);
  assert.equal(parseCgroupScope('cpuacct:/')!.contains(hybrid('/', '/')), true);
  assert.equal(parseCgroupScope('name=systemd:/')!.contains(hybrid('/', '/')), true);
  assert.equal(parseCgroupScope('blkio:/')!.contains(hybrid('/', '/')), false, 'a hierarchy the process is not in');
});

test('a process whose cgroup is unknown (exited before it was read) is out of scope', () => {
  assert.equal(parseCgroupScope('/')!.contains(undefined), false);
});

test('a malformed scope is refused with the reason', () => {
  assert.throws(() => parseCgroupScope('fleet/host-a'), { name: 'CgroupScopeError', message: 'cgroup scope "fleet/host-a": the path must start with / (as in /proc/PID/cgroup)' });
  assert.throws(() => parseCgroupScope('mem ory:/a'), CgroupScopeError);
});
