import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AGENT_HEAP_FLAGS, AGENT_LITE_FLAGS, AGENT_MALLOC_TUNABLES, INGEST_HEAP_FLAGS, heapRestart } from './process-heap.js';
import type { ModuleName } from './modules.js';

const flagsFor = (modules: ModuleName[], execArgv: string[] = [], lite = true) => heapRestart(modules, execArgv, { lite })?.flags;

test('a process running the agent without server-side modules takes the agent heap', () => {
  assert.deepEqual(flagsFor(['server', 'transport', 'agent']), [...AGENT_HEAP_FLAGS, ...AGENT_LITE_FLAGS]);
  assert.deepEqual(flagsFor(['server', 'transport', 'agent'], [], false), [...AGENT_HEAP_FLAGS]);
  assert.equal(flagsFor(['server', 'transport', 'collector', 'agent']), undefined);
  assert.equal(flagsFor(['server', 'transport', 'agent'], ['--max-semi-space-size=16']), undefined, 'a flag the user gave wins');
  assert.equal(flagsFor(['server', 'transport', 'agent'], [...AGENT_HEAP_FLAGS]), undefined, 'once restarted, not again');
});

test('a process running the ingest takes the ingest heap, all-in-one too; other server-side processes keep Node defaults', () => {
  assert.deepEqual(flagsFor(['server', 'transport', 'store', 'ingest']), [...INGEST_HEAP_FLAGS]);
  assert.deepEqual(flagsFor(['server', 'transport', 'store', 'agent', 'ingest', 'query-api', 'collector']), [...INGEST_HEAP_FLAGS]);
  assert.equal(flagsFor(['server', 'store', 'query-api']), undefined);
  assert.equal(flagsFor(['server', 'transport', 'collector']), undefined);
  assert.equal(flagsFor(['server', 'transport', 'store', 'ingest'], ['--initial-old-space-size=512']), undefined, 'a flag the user gave wins');
  assert.equal(flagsFor(['server', 'transport', 'store', 'ingest'], [...INGEST_HEAP_FLAGS]), undefined, 'once restarted, not again');
});

/** Runs a process that restarts itself for `modules`; its pid before, and after: pid, arguments, young generation size, GLIBC_TUNABLES, V8 flags. */
function restarted(env: NodeJS.ProcessEnv, modules: ModuleName[] = ['agent'], lite = true): { before: string; after: string[] } {
  const script = [
    "const { heapRestart, restartWith } = await import(process.argv[1]);",
    `const restart = heapRestart(${JSON.stringify(modules)}, process.execArgv, { lite: ${lite} });`,
    'if (restart) { console.log(process.pid); restartWith(restart); }',
    "const v8 = await import('node:v8');",
    "console.log(process.pid, process.argv.slice(2).join(' '), v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size, process.env.GLIBC_TUNABLES, process.execArgv.slice(0, process.execArgv.indexOf('--input-type=module')).join(','));",
  ].join('\n');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, new URL('./process-heap.js', import.meta.url).pathname, 'a', '--b'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  assert.equal(result.status, 0, result.stderr);
  const [before, after] = result.stdout.trim().split('\n');
  return { before: before!, after: after!.split(' ') };
}

test('the agent restart keeps the pid and the arguments and applies the flags and the malloc settings', () => {
  const { before, after } = restarted({ GLIBC_TUNABLES: undefined });
  assert.equal(after[0], before, 'same process');
  assert.deepEqual(after.slice(1, 3), ['a', '--b'], 'arguments kept');
  assert.ok(Number(after[3]) <= 4 * 1024 * 1024, `a small young generation: ${after[3]} bytes`);
  assert.equal(after[4], AGENT_MALLOC_TUNABLES);
  assert.deepEqual(after[5]!.split(','), [...AGENT_HEAP_FLAGS, ...AGENT_LITE_FLAGS], 'V8 in lite mode by default');
});

test('agent.liteRuntime off keeps the optimizing tiers: only the heap flags', () => {
  assert.deepEqual(restarted({}, ['agent'], false).after[5]!.split(','), [...AGENT_HEAP_FLAGS]);
});

test('malloc settings the environment gives win', () => {
  assert.equal(restarted({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' }).after[4], 'glibc.malloc.arena_max=8');
});

test('the ingest restart keeps the pid and the arguments, applies its flags, and leaves malloc as it was', () => {
  const { before, after } = restarted({ GLIBC_TUNABLES: undefined }, ['transport', 'store', 'ingest']);
  assert.equal(after[0], before, 'same process');
  assert.deepEqual(after.slice(1, 3), ['a', '--b'], 'arguments kept');
  assert.equal(after[4], 'undefined', 'no malloc settings');
  assert.deepEqual(after[5]!.split(','), [...INGEST_HEAP_FLAGS]);
});
