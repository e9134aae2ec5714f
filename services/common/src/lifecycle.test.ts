import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withLifecycle } from './lifecycle.js';

function counting() {
  const calls = { start: 0, stop: 0 };
  const component = withLifecycle({
    async start() {
      calls.start++;
    },
    async stop() {
      calls.stop++;
    },
  });
  return { calls, component };
}

test('stop before start is a no-op, and start after stop is refused', async () => {
  const { calls, component } = counting();
  await component.stop();
  await component.stop();
  assert.deepEqual(calls, { start: 0, stop: 0 });
  await assert.rejects(component.start(), /stopped/);
});

test('start and stop run once each, however often they are called', async () => {
  const { calls, component } = counting();
  await Promise.all([component.start(), component.start()]);
  await component.stop();
  await component.stop();
  assert.deepEqual(calls, { start: 1, stop: 1 });
});
