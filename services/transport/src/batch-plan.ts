/**
 * The offsets a batch covered when it was first handed to its handler. A
 * consumer whose handler writes each batch under a token derived from the
 * batch's offsets (the ingest's insert_deduplication_token) gets exactly-once
 * effect only if a redelivery after a crash carries the same messages: a fetch
 * after a restart starts at the same committed offset but usually returns more
 * (the producers went on), so the plan is committed with the offset, as its
 * metadata, before the handler runs, and a redelivery is cut back to it.
 */
export interface BatchPlan {
  firstOffset: string;
  lastOffset: string;
}

const METADATA_PREFIX = 'stallscope.batch-last-offset=';

/** Commit metadata for a batch starting at the committed offset and ending at lastOffset. */
export function planMetadata(plan: BatchPlan): string {
  return `${METADATA_PREFIX}${plan.lastOffset}`;
}

/** The plan a committed offset carries, or undefined (none, or metadata not ours). */
export function planOfCommit(offset: string, metadata: string | null): BatchPlan | undefined {
  if (!metadata?.startsWith(METADATA_PREFIX) || BigInt(offset) < 0n) return undefined;
  const lastOffset = metadata.slice(METADATA_PREFIX.length);
  if (!/^\d+$/.test(lastOffset) || BigInt(lastOffset) < BigInt(offset)) return undefined;
  return { firstOffset: offset, lastOffset };
}

export type PlannedBatch<T> =
  /** Hand `messages` over under `plan`; `fresh` when the plan is new and must be committed first. */
  | { kind: 'deliver'; messages: T[]; plan: BatchPlan; fresh: boolean }
  /** The fetch ends before the plan does: fetch again (the broker has the rest). */
  | { kind: 'short'; plan: BatchPlan };

/**
 * What to hand the handler of a fetched batch (in offset order), given the
 * partition's pending plan: the planned messages when the fetch starts where
 * the plan does, otherwise the whole fetch under a new plan.
 */
export function planBatch<T extends { offset: string }>(messages: T[], pending: BatchPlan | undefined): PlannedBatch<T> {
  const first = messages[0]!.offset;
  if (pending && pending.firstOffset === first) {
    const last = BigInt(pending.lastOffset);
    if (BigInt(messages.at(-1)!.offset) < last) return { kind: 'short', plan: pending };
    return { kind: 'deliver', messages: messages.filter((message) => BigInt(message.offset) <= last), plan: pending, fresh: false };
  }
  return { kind: 'deliver', messages, plan: { firstOffset: first, lastOffset: messages.at(-1)!.offset }, fresh: true };
}
