import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPartitionChooser } from './partitioning.js';
import type { TransportMessage } from './transport.js';

const unkeyed = (count: number, tag: string): TransportMessage[] =>
  Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`) }));
const keyed = (keys: string[]): TransportMessage[] => keys.map((key) => ({ key: Buffer.from(key), value: Buffer.from(`v-${key}`) }));

test('the unkeyed messages of one send go to one partition, successive sends to every partition in turn', () => {
  const choose = createPartitionChooser();
  const partitions = 6;
  const chosen: number[] = [];
  for (let send = 0; send < 2 * partitions; send++) {
    const groups = choose('t', partitions, unkeyed(5, `s${send}`));
    assert.equal(groups.size, 1, 'one partition per send');
    const [partition, messages] = [...groups][0]!;
    assert.equal(messages.length, 5);
    chosen.push(partition);
  }
  for (let i = 0; i < chosen.length; i++) assert.equal(chosen[i], (chosen[0]! + i) % partitions, `send ${i} goes to the next partition`);
  // Another topic keeps its own turn.
  const other = choose('u', partitions, unkeyed(1, 'u'));
  assert.equal(other.size, 1);
});

test('a key keeps its partition from send to send, and keyed messages are spread over the partitions', () => {
  const choose = createPartitionChooser();
  const keys = Array.from({ length: 60 }, (_, i) => `trace-${i}`);
  const first = choose('t', 6, keyed(keys));
  const again = choose('t', 6, keyed([...keys].reverse()));
  const partitionOf = (groups: Map<number, TransportMessage[]>) =>
    new Map([...groups].flatMap(([partition, messages]) => messages.map((message) => [message.key!.toString(), partition] as const)));
  assert.deepEqual(partitionOf(again), partitionOf(first));
  assert.ok(first.size >= 4, `60 keys over 6 partitions reach most of them (${first.size})`);
  for (const partition of first.keys()) assert.ok(partition >= 0 && partition < 6);
  // Messages keep their order within a partition.
  for (const messages of first.values()) {
    const indexes = messages.map((message) => keys.indexOf(message.key!.toString()));
    assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b));
  }
});

test('keyed and unkeyed messages of one send: the keyed by key, the unkeyed together', () => {
  const choose = createPartitionChooser();
  const keyedOnly = choose('t', 3, keyed(['a', 'b', 'c', 'd']));
  const mixed = choose('t', 3, [...keyed(['a', 'b', 'c', 'd']), ...unkeyed(4, 'x')]);
  const unkeyedPartitions = [...mixed].filter(([, messages]) => messages.some((message) => message.key === undefined)).map(([partition]) => partition);
  assert.equal(unkeyedPartitions.length, 1);
  for (const [partition, messages] of keyedOnly) {
    const found = mixed.get(partition)!.filter((message) => message.key !== undefined);
    assert.deepEqual(found, messages);
  }
});
