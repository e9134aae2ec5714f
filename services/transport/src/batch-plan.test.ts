import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBatch, planMetadata, planOfCommit } from './batch-plan.js';

const fetched = (first: number, count: number) => Array.from({ length: count }, (_, i) => ({ offset: String(first + i) }));
const offsets = (messages: { offset: string }[]) => messages.map((message) => Number(message.offset));

describe('batch plans', () => {
  it('a fetch with no pending plan is delivered whole under a new plan', () => {
    const planned = planBatch(fetched(40, 5), undefined);
    assert.equal(planned.kind, 'deliver');
    assert.ok(planned.kind === 'deliver' && planned.fresh);
    assert.deepEqual(planned.plan, { firstOffset: '40', lastOffset: '44' });
    assert.deepEqual(offsets(planned.messages), [40, 41, 42, 43, 44]);
  });

  it('a fetch from where the pending plan starts is cut back to it, however much more it holds', () => {
    const planned = planBatch(fetched(40, 30), { firstOffset: '40', lastOffset: '44' });
    assert.ok(planned.kind === 'deliver' && !planned.fresh);
    assert.deepEqual(offsets(planned.messages), [40, 41, 42, 43, 44]);
  });

  it('a fetch ending before the plan does is short; one starting elsewhere gets a plan of its own', () => {
    assert.equal(planBatch(fetched(40, 3), { firstOffset: '40', lastOffset: '44' }).kind, 'short');
    const elsewhere = planBatch(fetched(45, 2), { firstOffset: '40', lastOffset: '44' });
    assert.ok(elsewhere.kind === 'deliver' && elsewhere.fresh);
    assert.deepEqual(elsewhere.plan, { firstOffset: '45', lastOffset: '46' });
  });

  it('travels as commit metadata; metadata that is not a plan is none', () => {
    const plan = { firstOffset: '40', lastOffset: '44' };
    assert.deepEqual(planOfCommit('40', planMetadata(plan)), plan);
    assert.equal(planOfCommit('40', null), undefined);
    assert.equal(planOfCommit('40', ''), undefined);
    assert.equal(planOfCommit('40', 'someone else'), undefined);
    assert.equal(planOfCommit('-1', planMetadata(plan)), undefined);
    assert.equal(planOfCommit('45', planMetadata(plan)), undefined, 'a plan ending before the committed offset');
  });
});
