import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RowBufferPool } from './row-buffer-pool.js';

const MIB = 1024 * 1024;

describe('row buffer pool', () => {
  it('hands out buffers of the length asked, never one that is still taken', () => {
    const pool = new RowBufferPool(16 * MIB);
    const lengths = [1, 1000, 65_536, 65_537, 700_000, 700_000, 3 * MIB];
    const taken = lengths.map((length) => pool.take(length));
    assert.deepEqual(
      taken.map((buffer) => buffer.length),
      lengths,
    );
    assert.equal(new Set(taken.map((buffer) => buffer.buffer)).size, lengths.length);
    for (const buffer of taken) assert.ok(buffer.buffer.byteLength >= buffer.length);
  });

  it('reuses a released buffer for a request of its size class, each buffer once', () => {
    const takes: boolean[] = [];
    const pool = new RowBufferPool(16 * MIB, (reused) => takes.push(reused));
    const first = pool.take(600_000);
    const second = pool.take(700_000);
    // Views of the same buffer (a batch's rows) are one buffer to take back.
    pool.release([first.subarray(0, 10).buffer, first.subarray(10).buffer, first.buffer]);
    assert.equal(pool.freeBytes, first.buffer.byteLength);
    const again = pool.take(800_000);
    assert.equal(again.buffer, first.buffer);
    assert.equal(again.length, 800_000);
    assert.equal(pool.freeBytes, 0);
    // Nothing free of that class any more: a new buffer, not one still taken.
    const third = pool.take(600_000);
    assert.notEqual(third.buffer, first.buffer);
    assert.notEqual(third.buffer, second.buffer);
    // A smaller class does not get a larger buffer, nor the other way round.
    pool.release([second.buffer]);
    assert.notEqual(pool.take(100_000).buffer, second.buffer);
    assert.notEqual(pool.take(2 * MIB).buffer, second.buffer);
    assert.equal(pool.take(1 * MIB).buffer, second.buffer);
    assert.deepEqual(takes, [false, false, true, false, false, false, true]);
  });

  it('ignores buffers it did not make', () => {
    const pool = new RowBufferPool(16 * MIB);
    pool.release([Buffer.allocUnsafeSlow(MIB).buffer, new SharedArrayBuffer(MIB)]);
    assert.equal(pool.freeBytes, 0);
  });

  it('keeps at most its bound of free buffers and lets the rest go', () => {
    const pool = new RowBufferPool(2 * MIB);
    const taken = [pool.take(MIB), pool.take(MIB), pool.take(MIB)];
    pool.release(taken.map((buffer) => buffer.buffer));
    assert.equal(pool.freeBytes, 2 * MIB);
    const reused = [pool.take(MIB), pool.take(MIB), pool.take(MIB)].map((buffer) => buffer.buffer);
    assert.deepEqual(
      reused.map((buffer) => taken.some((old) => old.buffer === buffer)),
      [true, true, false],
    );
  });
});
