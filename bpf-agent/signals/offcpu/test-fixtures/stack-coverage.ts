// What a process's off-CPU stack records say of its user stacks: the stack
// map suite and bench/offcpu-stacks.mjs read them the same way.
import type { LoaderRecord } from '../../../src/loader/records.js';

export interface StackCoverage {
  /** Distinct user stacks (by their addresses) the process's records named with frames. */
  seen: number;
  /** Its records whose user stack had no id, or an id whose addresses never came. */
  withoutUserStack: number;
  /** Stack map resets in the records. */
  resets: number;
}

/** The coverage of `tgid`'s user stacks in `records`, in the order the loader sent them. */
export function offCpuStackCoverage(records: readonly LoaderRecord[], tgid: number | undefined): StackCoverage {
  // Stack ids name addresses until the next reset.
  const addressesOf = new Map<number, string>();
  const seen = new Set<string>();
  let withoutUserStack = 0;
  let resets = 0;
  for (const record of records) {
    if (record.type === 'stacks-reset') {
      addressesOf.clear();
      resets++;
    } else if (record.type === 'stack-trace') addressesOf.set(record.stackId, record.ips.join(','));
    else if (record.type === 'offcpu-stack' && record.tgid === tgid) {
      const addresses = record.userStack >= 0 ? addressesOf.get(record.userStack) : undefined;
      if (addresses === undefined) withoutUserStack++;
      else seen.add(addresses);
    }
  }
  return { seen: seen.size, withoutUserStack, resets };
}
