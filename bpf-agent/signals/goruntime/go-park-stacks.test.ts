import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SymbolizeBudget } from '../../src/symbols/index.js';
import { GoParkStacks } from './go-park-stacks.js';

const names = new Map([
  [0x10n, 'main.main'],
  [0x20n, 'main.handler'],
  [0x30n, 'sync.(*Mutex).Lock'],
]);
const symbolize = (_pid: number, addresses: readonly bigint[]) => addresses.map((address) => names.get(address));

test('parks are folded per service and wait reason, root first, with their time', () => {
  const stacks = new GoParkStacks(symbolize, 5, new SymbolizeBudget(60_000));
  stacks.onStackTrace({ type: 'go-stack-trace', stackId: 7, ips: [0x30n, 0x20n, 0x10n] });
  const park = { type: 'go-park-stack', tgid: 10, reason: 1, userStack: 7, parkedNs: 40n, count: 2n } as const;
  stacks.onParkStack(park, 'sync.Mutex.Lock');
  stacks.onParkStack({ ...park, parkedNs: 60n, count: 3n }, 'sync.Mutex.Lock');
  assert.deepEqual(stacks.endInterval(() => 'api'), [
    { serviceName: 'api', waitReason: 'sync.Mutex.Lock', folded: 'main.main;main.handler;sync.(*Mutex).Lock', parkedNs: 100, parks: 5 },
  ]);
  assert.deepEqual(stacks.endInterval(() => 'api'), [], 'counts are per interval');
});

test('an interval\'s parks keep their stacks\' names when the loader empties the stack map right after them, before the interval ends', () => {
  const stacks = new GoParkStacks(symbolize, 5, new SymbolizeBudget(60_000));
  stacks.onStackTrace({ type: 'go-stack-trace', stackId: 7, ips: [0x30n, 0x20n, 0x10n] });
  stacks.onParkStack({ type: 'go-park-stack', tgid: 10, reason: 1, userStack: 7, parkedNs: 40n, count: 1n }, 'sync.Mutex.Lock');
  // The loader's order when a stack found its bucket taken: the interval's records, then the reset.
  stacks.onReset();
  assert.deepEqual(stacks.endInterval(() => 'api').map((stack) => stack.folded), ['main.main;main.handler;sync.(*Mutex).Lock']);
});
