import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoalescingQueue } from './coalescing-queue.js';

function setup(maxBytes: number) {
  const requests: { key: string; items: string[]; settle: (error?: Error) => void }[] = [];
  const running = new Map<string, number>();
  let overlapping = 0;
  const queue = new CoalescingQueue<string>(
    (key, items) =>
      new Promise<void>((resolve, reject) => {
        running.set(key, (running.get(key) ?? 0) + 1);
        if (running.get(key)! > 1) overlapping += 1;
        requests.push({
          key,
          items,
          settle: (error) => {
            running.set(key, running.get(key)! - 1);
            if (error) reject(error);
            else resolve();
          },
        });
      }),
    (item) => item.length,
    maxBytes,
  );
  return { queue, requests, overlapping: () => overlapping };
}

const outcome = (promise: Promise<void>) =>
  promise.then(
    () => 'sent',
    (error: Error) => `failed: ${error.message}`,
  );

test('calls queued behind a running request go together in the next, in order, up to the byte bound', async () => {
  const { queue, requests, overlapping } = setup(10);
  const first = outcome(queue.run('p0', ['aaaa']));
  const queued = [queue.run('p0', ['bb', 'cc']), queue.run('p0', ['ddd']), queue.run('p0', ['eeeeee']), queue.run('p0', ['f'])].map(outcome);
  const elsewhere = outcome(queue.run('p1', ['x']));
  assert.deepEqual(requests.map(({ key, items }) => [key, items]), [['p0', ['aaaa']], ['p1', ['x']]], 'one request per key at first');
  requests[0]!.settle();
  await sleep(0);
  // 2+2+3 = 7 bytes fit in 10; 'eeeeee' (6) would pass it and waits for the request after.
  assert.deepEqual(requests[2]!.items, ['bb', 'cc', 'ddd']);
  requests[2]!.settle(new Error('leader moved'));
  await sleep(0);
  assert.deepEqual(requests[3]!.items, ['eeeeee', 'f']);
  requests[3]!.settle();
  requests[1]!.settle();
  assert.deepEqual(await Promise.all([first, ...queued, elsewhere]), ['sent', 'failed: leader moved', 'failed: leader moved', 'sent', 'sent', 'sent']);
  assert.equal(overlapping(), 0, 'never two requests of one key at once');
  assert.equal(queue.size, 0, 'idle keys are forgotten');
});

test('a call larger than the bound goes alone', async () => {
  const { queue, requests } = setup(4);
  const first = queue.run('p', ['a']);
  const big = queue.run('p', ['bbbbbbbb']);
  const after = queue.run('p', ['c']);
  requests[0]!.settle();
  await sleep(0);
  assert.deepEqual(requests[1]!.items, ['bbbbbbbb']);
  requests[1]!.settle();
  await sleep(0);
  assert.deepEqual(requests[2]!.items, ['c']);
  requests[2]!.settle();
  await Promise.all([first, big, after]);
});
