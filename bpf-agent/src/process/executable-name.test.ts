import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argv0Name, executableName, executablePathOf } from './executable-name.js';

test('the executable file name, unless it no longer names the program', () => {
  assert.equal(executableName('/usr/sbin/nginx', 'nginx: worker process', 'nginx'), 'nginx');
  assert.equal(executableName('/memfd:sealed-rB2 (deleted)', '/usr/bin/runc', 'runc:[2:INIT]'), 'runc');
  assert.equal(executableName('/memfd:sealed-rB2 (deleted)', undefined, 'runc:[2:INIT]'), 'runc:[2:INIT]');
  assert.equal(executableName('/tmp/.x1f3 (deleted)', 'updater', 'updater'), 'updater', 'a deleted temporary copy');
  assert.equal(executableName('/usr/bin/api (deleted)', undefined, 'api'), 'api', 'replaced by an upgrade: its name still holds');
  assert.equal(executableName(undefined, undefined, 'kworker/0:1'), 'kworker/0:1', 'kernel threads: comm');
  assert.equal(executablePathOf('/usr/bin/api (deleted)'), '/usr/bin/api');
});

test('argv[0] as a program name', () => {
  assert.equal(argv0Name('-bash'), 'bash');
  assert.equal(argv0Name('postgres: checkpointer'), 'postgres');
  assert.equal(argv0Name(''), undefined);
});
