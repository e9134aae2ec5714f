import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_KEY_PENDING_STACK } from '@stallscope/schemas';
import { SymbolizeBudget } from '../../src/symbols/index.js';
import type { UserStackRecord } from '../../src/loader/records.js';
import { StackVerdicts, type StackRules } from './stack-verdicts.js';

const rules: StackRules = {
  ruleIds: ['go-scheduler-idle'],
  classify: (_syscall, frames) =>
    frames.includes('runtime.stopm') ? { waitClass: 'idle', ruleId: 'go-scheduler-idle' } : { waitClass: 'lock', ruleId: 'futex-default' },
};
const stack = (stackId: number): UserStackRecord => ({ type: 'user-stack', stackId, tgid: 1, syscallNr: 202, ips: [0x401000n] });

test('a stack is classed once, told to the kernel, and names the counts kept under its pending id', () => {
  const told: [number, number][] = [];
  let symbolized = 0;
  const verdicts = new StackVerdicts(
    rules,
    () => (symbolized++, ['runtime.futex', 'runtime.stopm']),
    () => 'futex',
    (id, key) => told.push([id, key]),
    new SymbolizeBudget(60_000),
  );
  verdicts.onUserStack(stack(7));
  assert.equal(told.length, 1);
  // Sent again: the kernel's verdict map let the verdict go.
  verdicts.onUserStack(stack(7));
  assert.equal(symbolized, 1, 'one symbolization per stack');
  assert.deepEqual(told[1], told[0], 'the verdict is told again');
  assert.deepEqual(verdicts.classOf(CLASS_KEY_PENDING_STACK + 7, 'futex'), { waitClass: 'idle', ruleId: 'go-scheduler-idle' });
  assert.deepEqual(verdicts.classOf(told[0]![1], 'futex'), { waitClass: 'idle', ruleId: 'go-scheduler-idle' }, 'the kernel key decodes the same');
  assert.equal(verdicts.isPending(CLASS_KEY_PENDING_STACK + 7), false);
});

test('past the symbolize budget a stack stays pending: nothing is told, its counts wait', () => {
  const told: number[] = [];
  const budget = new SymbolizeBudget(5);
  const verdicts = new StackVerdicts(
    rules,
    () => {
      const until = performance.now() + 10;
      while (performance.now() < until);
      return ['runtime.stopm'];
    },
    () => 'futex',
    (id) => told.push(id),
    budget,
  );
  verdicts.onUserStack(stack(1));
  verdicts.onUserStack(stack(2));
  assert.deepEqual(told, [1], 'the first spent the budget; the second waits');
  assert.equal(verdicts.isPending(CLASS_KEY_PENDING_STACK + 2), true);
  budget.reset();
  verdicts.onUserStack(stack(2));
  assert.deepEqual(told, [1, 2], 'named in the next interval');
});

test('a stack left over the budget is classed when its process has exited, not counted under the fallback', () => {
  const told: number[] = [];
  const budget = new SymbolizeBudget(5);
  const verdicts = new StackVerdicts(
    rules,
    () => {
      const until = performance.now() + 10;
      while (performance.now() < until);
      return ['runtime.stopm'];
    },
    () => 'futex',
    (id) => told.push(id),
    budget,
  );
  verdicts.onUserStack(stack(1));
  verdicts.onUserStack(stack(2));
  assert.equal(verdicts.isPending(CLASS_KEY_PENDING_STACK + 2), true, 'over the budget');
  verdicts.classifyNow(CLASS_KEY_PENDING_STACK + 2);
  assert.equal(verdicts.isPending(CLASS_KEY_PENDING_STACK + 2), false);
  assert.deepEqual(verdicts.classOf(CLASS_KEY_PENDING_STACK + 2, 'futex'), { waitClass: 'idle', ruleId: 'go-scheduler-idle' });
  assert.deepEqual(told, [1, 2]);
  verdicts.classifyNow(CLASS_KEY_PENDING_STACK + 9);
  assert.deepEqual(
    verdicts.classOf(CLASS_KEY_PENDING_STACK + 9, 'futex'),
    { waitClass: 'lock', ruleId: 'futex-default' },
    'a stack never received keeps the fallback',
  );
});

test('verdicts are kept while counts or spans use their stacks, then forgotten', () => {
  let symbolized = 0;
  const verdicts = new StackVerdicts(
    rules,
    () => (symbolized++, ['runtime.stopm']),
    () => 'futex',
    () => {},
    new SymbolizeBudget(60_000),
  );
  verdicts.onUserStack(stack(1));
  verdicts.onUserStack(stack(2));
  verdicts.keepOnly(new Set([2]));
  assert.equal(verdicts.isPending(CLASS_KEY_PENDING_STACK + 2), false, 'in use: kept');
  assert.equal(verdicts.isPending(CLASS_KEY_PENDING_STACK + 1), true, 'unused: forgotten');
  verdicts.onUserStack(stack(1));
  assert.equal(symbolized, 3, 'a forgotten stack sent again is classed again');
});
