import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * A process that routes its warnings, then raises a deprecation and a
 * negative timer, its own ('own') or the one kafkajs's real request queue arms
 * (the queue of every Kafka client of the transport). Node warns of the first
 * negative timer of a process only, so each kind runs in a process of its own.
 */
const SCRIPT = `
const { createLogger } = await import('@stallscope/common');
const { logProcessWarnings } = await import(process.argv[1]);
const { createRequire } = await import('node:module');
const RequestQueue = createRequire(process.argv[2])('kafkajs/src/network/requestQueue/index.js');
logProcessWarnings(createLogger(process.argv[3]));
process.emitWarning('the old way', 'DeprecationWarning', 'DEP0999');
if (process.argv[4] === 'own') setTimeout(() => {}, -5);
else new RequestQueue({ requestTimeout: 1000, clientId: 'test', broker: 'none:0', logger: { debug() {}, info() {}, warn() {}, error() {} } }).scheduleCheckPendingRequests();
await new Promise((resolve) => setTimeout(resolve, 50));
process.exit(0);
`;

/** The transport's own kafkajs, as the launcher loads it. */
const transportEntry = createRequire(import.meta.url).resolve('@stallscope/transport');

function run(level: string, timer: 'own' | 'kafkajs', nodeFlags: string[] = []) {
  const module = new URL('./process-warnings.js', import.meta.url).pathname;
  const result = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', SCRIPT, module, transportEntry, level, timer], {
    encoding: 'utf8',
    cwd: new URL('.', import.meta.url).pathname,
  });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { level: number; msg: string; warning: { name: string; code?: string; raisedAt?: string } });
  return { stderr: result.stderr, lines };
}

test('process warnings become log lines at warn level, not stderr text, with the frame that raised them', () => {
  const { stderr, lines } = run('info', 'own');
  assert.equal(stderr, '', 'Node printed nothing itself');
  const [deprecation, timer, ...rest] = lines;
  assert.deepEqual(rest, []);
  assert.equal(deprecation!.level, 40);
  assert.equal(deprecation!.msg, 'the old way');
  assert.deepEqual([deprecation!.warning.name, deprecation!.warning.code], ['DeprecationWarning', 'DEP0999']);
  assert.match(deprecation!.warning.raisedAt ?? '', /\[eval/, 'the frame that raised it, not Node internals');
  assert.equal(timer!.level, 40, 'a negative timer outside kafkajs is a warning');
  assert.equal(timer!.warning.name, 'TimeoutNegativeWarning');
});

test("kafkajs's negative request-queue timer is logged at debug level only", () => {
  const debug = run('debug', 'kafkajs');
  assert.equal(debug.stderr, '');
  assert.deepEqual(debug.lines.map((line) => [line.warning.name, line.level]), [['DeprecationWarning', 40], ['TimeoutNegativeWarning', 20]]);
  assert.match(debug.lines[1]!.warning.raisedAt ?? '', /kafkajs[\\/]src[\\/]network[\\/]requestQueue/);
  const info = run('info', 'kafkajs');
  assert.equal(info.stderr, '');
  assert.deepEqual(info.lines.map((line) => line.warning.name), ['DeprecationWarning']);
});

test('with --no-warnings nothing is logged or printed', () => {
  const silenced = run('debug', 'own', ['--no-warnings']);
  assert.equal(silenced.stderr, '');
  assert.deepEqual(silenced.lines, []);
});
