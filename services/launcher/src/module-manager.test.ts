import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets, resolveModules } from './module-manager.js';

test('targets resolve to their modules, dependencies first', () => {
  assert.deepEqual(resolveModules(parseTargets('all')), ['server', 'transport', 'agent', 'store', 'ingest', 'query-api', 'collector', 'all']);
  assert.deepEqual(resolveModules(parseTargets('agent')), ['server', 'transport', 'agent']);
  assert.deepEqual(resolveModules(parseTargets('ingest,query-api')), ['server', 'transport', 'store', 'ingest', 'query-api']);
});

test('unknown and internal targets are refused by name', () => {
  assert.throws(() => parseTargets('agent,bogus'), /unknown target bogus; targets are all, agent, ingest, query-api/);
  assert.throws(() => parseTargets('store'), /unknown target store/);
  assert.throws(() => parseTargets(' , '), /unknown target \(empty\)/);
});
