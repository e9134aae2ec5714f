/**
 * Waits for every promise to settle, then rejects with the first rejection,
 * if any: unlike Promise.all, no work is left running behind a failure
 * (a send still going out, rows still being written).
 */
export async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const failure = (await Promise.allSettled(promises)).find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}
