import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** The nice value of each thread of a process, from /proc (field 19 of stat). */
const SCRIPT = `
const { readdirSync, readFileSync } = await import('node:fs');
const { spawnSync } = await import('node:child_process');
const { Worker } = await import('node:worker_threads');
const { lowerPriority } = await import(process.argv[1]);
// Field 19, counted after the last ')': comm may hold spaces and parentheses.
const niceIn = (stat) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
const threads = () => readdirSync('/proc/self/task').map((tid) => niceIn(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8')));
// A thread made before the call, as Node's own are.
const early = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((resolve) => early.once('online', resolve));
const before = threads();
const changed = lowerPriority(Number(process.argv[2]));
const after = threads();
const child = Number(spawnSync('sh', ['-c', 'cut -d" " -f19 /proc/self/stat'], { encoding: 'utf8' }).stdout);
const late = new Worker("import { readFileSync } from 'node:fs'; import { parentPort } from 'node:worker_threads'; parentPort.postMessage(readFileSync('/proc/thread-self/stat', 'utf8'));", { eval: true });
const lateNice = niceIn(await new Promise((resolve) => late.once('message', resolve)));
console.log(JSON.stringify({ before, changed, after, child, lateNice }));
process.exit(0);
`;

function run(niceness: number, prefix: string[] = []) {
  const module = new URL('./process-priority.js', import.meta.url).pathname;
  const [command, ...args] = [...prefix, process.execPath, '--input-type=module', '-e', SCRIPT, module, String(niceness)];
  const result = spawnSync(command!, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { before: number[]; changed: number; after: number[]; child: number; lateNice: number };
}

test('every thread of the process takes the nice value, and so do the threads and children it makes later', () => {
  const { before, changed, after, child, lateNice } = run(10);
  assert.ok(before.length > 2 && before.every((nice) => nice === 0), `Node's threads start at 0: ${before}`);
  assert.equal(changed, before.length);
  assert.deepEqual(after, after.map(() => 10), `every thread at 10: ${after}`);
  assert.equal(child, 10, 'a child spawned afterwards (the loader) inherits it');
  assert.equal(lateNice, 10, 'a thread made afterwards inherits it');
});

test('a higher nice value the process was started with stays', () => {
  const { changed, after, child } = run(10, ['nice', '-n', '15']);
  assert.equal(changed, 0);
  assert.deepEqual(after, after.map(() => 15), `every thread still at 15: ${after}`);
  assert.equal(child, 15);
});
