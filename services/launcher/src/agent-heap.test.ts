import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AGENT_HEAP_FLAGS, AGENT_LITE_FLAGS, AGENT_MALLOC_TUNABLES, wantsAgentHeap } from './agent-heap.js';

test('only a process running the agent without server-side modules takes the agent heap', () => {
  assert.equal(wantsAgentHeap(['server', 'transport', 'agent'], []), true);
  assert.equal(wantsAgentHeap(['server', 'transport', 'store', 'agent', 'ingest', 'query-api'], []), false, 'all-in-one keeps Node defaults');
  assert.equal(wantsAgentHeap(['server', 'transport', 'collector', 'agent'], []), false);
  assert.equal(wantsAgentHeap(['server', 'transport', 'ingest'], []), false);
  assert.equal(wantsAgentHeap(['server', 'transport', 'agent'], ['--max-semi-space-size=16']), false, 'a flag the user gave wins');
  assert.equal(wantsAgentHeap(['server', 'transport', 'agent'], [...AGENT_HEAP_FLAGS]), false, 'once restarted, not again');
});

/** Runs a process that restarts itself with the agent heap; its pid before, and after: pid, arguments, young generation size, GLIBC_TUNABLES, V8 flags. */
function restarted(env: NodeJS.ProcessEnv, lite = true): { before: string; after: string[] } {
  const script = [
    "const { restartWithAgentHeap, AGENT_HEAP_FLAGS } = await import(process.argv[1]);",
    `if (!process.execArgv.includes(AGENT_HEAP_FLAGS[0])) { console.log(process.pid); restartWithAgentHeap({ lite: ${lite} }); }`,
    "const v8 = await import('node:v8');",
    "console.log(process.pid, process.argv.slice(2).join(' '), v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size, process.env.GLIBC_TUNABLES, process.execArgv.slice(0, process.execArgv.indexOf('--input-type=module')).join(','));",
  ].join('\n');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, new URL('./agent-heap.js', import.meta.url).pathname, 'a', '--b'], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...env },
  });
  assert.equal(result.status, 0, result.stderr);
  const [before, after] = result.stdout.trim().split('\n');
  return { before: before!, after: after!.split(' ') };
}

test('the restart keeps the pid and the arguments and applies the flags and the malloc settings', () => {
  const { before, after } = restarted({ GLIBC_TUNABLES: undefined });
  assert.equal(after[0], before, 'same process');
  assert.deepEqual(after.slice(1, 3), ['a', '--b'], 'arguments kept');
  assert.ok(Number(after[3]) <= 4 * 1024 * 1024, `a small young generation: ${after[3]} bytes`);
  assert.equal(after[4], AGENT_MALLOC_TUNABLES);
  assert.deepEqual(after[5]!.split(','), [...AGENT_HEAP_FLAGS, ...AGENT_LITE_FLAGS], 'V8 in lite mode by default');
});

test('agent.liteRuntime off keeps the optimizing tiers: only the heap flags', () => {
  assert.deepEqual(restarted({}, false).after[5]!.split(','), [...AGENT_HEAP_FLAGS]);
});

test('malloc settings the environment gives win', () => {
  assert.equal(restarted({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=8' }).after[4], 'glibc.malloc.arena_max=8');
});
