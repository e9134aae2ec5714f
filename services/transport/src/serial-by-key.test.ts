import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialByKey } from './serial-by-key.js';

test('work of one key runs one at a time in call order, other keys alongside; a failure does not stop the queue', async () => {
  const serial = new SerialByKey();
  const running = new Map<string, number>();
  let mostAtOnce = 0;
  let mostOverall = 0;
  const order: string[] = [];
  const work = (key: string, label: string, fail = false) =>
    serial.run(key, async () => {
      running.set(key, (running.get(key) ?? 0) + 1);
      mostAtOnce = Math.max(mostAtOnce, running.get(key)!);
      mostOverall = Math.max(mostOverall, [...running.values()].reduce((a, b) => a + b, 0));
      await sleep(5);
      order.push(label);
      running.set(key, running.get(key)! - 1);
      if (fail) throw new Error(label);
      return label;
    });
  const results = await Promise.allSettled([work('a', 'a1'), work('a', 'a2', true), work('b', 'b1'), work('a', 'a3')]);
  assert.deepEqual(
    results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message)),
    ['a1', 'a2', 'b1', 'a3'],
  );
  assert.deepEqual(order.filter((label) => label.startsWith('a')), ['a1', 'a2', 'a3']);
  assert.equal(mostAtOnce, 1, 'never two of one key at once');
  assert.equal(mostOverall, 2, 'two keys ran side by side');
  await sleep(0);
  assert.equal(serial.size, 0, 'idle keys are forgotten');
});
