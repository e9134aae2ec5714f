import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleAll } from './settle-all.js';

describe('settleAll', () => {
  it('rejects with the first rejection, only once every promise has settled', async () => {
    const events: string[] = [];
    let finishSlow!: () => void;
    const slow = new Promise<void>((resolve) => (finishSlow = resolve)).then(() => void events.push('slow settled'));
    const settled = settleAll([Promise.reject(new Error('first')), slow, Promise.reject(new Error('second'))]).catch((err: Error) => {
      events.push(`rejected: ${err.message}`);
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(events, []);
    finishSlow();
    await settled;
    assert.deepEqual(events, ['slow settled', 'rejected: first']);
  });

  it('resolves when every promise resolves, and for none', async () => {
    await settleAll([Promise.resolve(1), Promise.resolve('two')]);
    await settleAll([]);
  });
});
