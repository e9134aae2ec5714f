import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scriptServiceName } from './script-command-line.js';

test('a script is named by its file, a conventional entry point by its project directory', () => {
  assert.equal(scriptServiceName('/srv/bin/billing-worker.js', undefined), 'billing-worker');
  assert.equal(scriptServiceName('/srv/checkout/dist/server.js', undefined), 'checkout');
  assert.equal(scriptServiceName('dist/index.js', '/home/ci/projects/ledger'), 'ledger', 'relative: resolved against the working directory');
  assert.equal(scriptServiceName('dist/index.js', undefined), 'index', 'relative with no working directory: the file name');
  assert.equal(scriptServiceName('/app/server.js', '/'), 'server', 'only build or system directories above: the file name');
  assert.equal(scriptServiceName('/opt/kafka/bin/run.sh', undefined), 'kafka');
  assert.equal(scriptServiceName('report.v2.py', undefined), 'report.v2', 'only a known script extension is dropped');
});

test('a program read from an inherited fd has no script name (bash /dev/fd/3): the runtime names it instead', () => {
  assert.equal(scriptServiceName('/dev/fd/3', '/home/ci'), undefined);
  assert.equal(scriptServiceName('/proc/self/fd/63', undefined), undefined);
  assert.equal(scriptServiceName('/proc/4242/fd/5', undefined), undefined);
  assert.equal(scriptServiceName('/srv/fd/report.sh', undefined), 'report', 'a directory merely named fd is a script path like any');
});
