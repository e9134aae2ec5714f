import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { containerIdFromCgroup, readProcessInfo, serviceNameFromEnviron } from './process-info.js';
import { ProcessRegistry, UNKNOWN_PROCESS } from './process-registry.js';

test('only OTEL_SERVICE_NAME is taken from the environment', () => {
  const environ = ['AWS_SECRET_ACCESS_KEY=hunter2', 'OTEL_SERVICE_NAME=checkout', 'PATH=/bin'].join('\0');
  assert.equal(serviceNameFromEnviron(environ), 'checkout');
  assert.equal(serviceNameFromEnviron('PATH=/bin\0OTEL_SERVICE_NAME=\0'), undefined);
});

test('container ids come from the cgroup path', () => {
  const id = 'a'.repeat(64);
  assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${id}.scope\n`), id);
  assert.equal(containerIdFromCgroup(`0::/kubepods/burstable/pod1/${id}\n`), id);
  assert.equal(containerIdFromCgroup('0::/user.slice/session-1.scope\n'), undefined);
});

test('a real process is named by OTEL_SERVICE_NAME, else by its executable', async () => {
  const named = spawn('sleep', ['5'], { env: { ...process.env, OTEL_SERVICE_NAME: 'billing' } });
  const plain = spawn('sleep', ['5'], { env: { PATH: process.env.PATH ?? '/bin' } });
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(readProcessInfo(named.pid!), { serviceName: 'billing', executableName: 'sleep', containerId: undefined });
    assert.equal(readProcessInfo(plain.pid!)?.serviceName, 'sleep');
  } finally {
    named.kill();
    plain.kill();
  }
});

test('the registry remembers a process after it exits and stays bounded', () => {
  const alive = new Map([[1, { serviceName: 'a', executableName: 'a', containerId: undefined }]]);
  const registry = new ProcessRegistry(2, (tgid) => alive.get(tgid));
  assert.equal(registry.lookup(1).serviceName, 'a');
  alive.delete(1);
  assert.equal(registry.lookup(1).serviceName, 'a', 'named at first sight, kept after exit');
  assert.equal(registry.lookup(99), UNKNOWN_PROCESS);
  for (const tgid of [2, 3, 4]) alive.set(tgid, { serviceName: `s${tgid}`, executableName: 'x', containerId: undefined });
  for (const tgid of [2, 3, 4]) registry.lookup(tgid);
  assert.equal(registry.size, 2);
  registry.forget(4);
  assert.equal(registry.size, 1);
});
