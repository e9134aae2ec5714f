import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerIdFromCgroup, podUidFromCgroup } from './cgroup-identity.js';

const id = 'a'.repeat(64);

test('container ids come from the cgroup path', () => {
  assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${id}.scope\n`), id);
  assert.equal(containerIdFromCgroup(`0::/kubepods/burstable/pod1/${id}\n`), id);
  assert.equal(containerIdFromCgroup('0::/user.slice/session-1.scope\n'), undefined);
});

test('pod uids come from the kubelet cgroup path, with either cgroup driver', () => {
  const uid = '6f1d2c3b-aaaa-4bbb-8ccc-0123456789ab';
  assert.equal(podUidFromCgroup(`0::/kubepods/burstable/pod${uid}/${id}\n`), uid);
  assert.equal(
    podUidFromCgroup(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice/cri-containerd-${id}.scope\n`),
    uid,
  );
  assert.equal(podUidFromCgroup(`0::/system.slice/docker-${id}.scope\n`), undefined);
});
