import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from './progress.js';

function stream(tty: boolean, columns = 60) {
  const writes: string[] = [];
  return { writes, sink: { write: (text: string) => writes.push(text), isTTY: tty, columns } };
}

test('into a pipe every step is a plain line with the count, share, time and what is left', () => {
  let clock = 0;
  const { writes, sink } = stream(false);
  const progress = createProgress('query: generating', { total: 4, stream: sink, now: () => clock });
  clock = 10_000;
  progress.update(1, 'hour 1');
  clock = 20_000;
  progress.update(2, 'hour 2');
  progress.finish('done');
  assert.deepEqual(writes, [
    'query: generating 1/4 25% 10s, 30s left hour 1\n',
    'query: generating 2/4 50% 20s, 20s left hour 2\n',
    'query: generating 2/4 50% 20s, 20s left done\n',
  ]);
});

test('on a terminal one bar is rewritten in place, never wider than the terminal, and cleared at the end', () => {
  let clock = 0;
  const { writes, sink } = stream(true, 50);
  const progress = createProgress('bench', { total: 10, stream: sink, now: () => clock });
  clock = 65_000;
  progress.update(5, 'a note long enough to be cut at the edge of the terminal');
  progress.finish();
  assert.equal(writes.length, 2);
  const bar = writes[0] ?? '';
  assert.ok(bar.startsWith('\r\x1b[Kbench [########--------] 5/10 50% 1m05s'), bar);
  assert.ok([...bar.slice(4)].length <= 49, bar);
  assert.ok(bar.endsWith('…'));
  assert.equal(writes[1], '\r\x1b[K');
});

test('without a total only the notes show', () => {
  const { writes, sink } = stream(false);
  const progress = createProgress('syscall-overhead', { stream: sink });
  progress.update(0, 'building');
  assert.deepEqual(writes, ['syscall-overhead: building\n']);
});
