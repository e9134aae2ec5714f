import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { LogAttr, OFFCPU_STACK_EVENT, type OffCpuState } from '@stallscope/schemas';
import type { OffCpuStackRecord, StackTraceRecord } from '../../src/loader/records.js';
import { stackLogRecords } from '../../src/stacks/stack-log-records.js';
import { StackNames, foldStack, type StackSymbolizers } from '../../src/stacks/stack-names.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';

export interface FoldedStackTime {
  serviceName: string;
  state: OffCpuState;
  /** Root first, frames joined by ';', kernel frames marked with a `[k] ` prefix (flame graph tools' folded format). */
  folded: string;
  offCpuNs: number;
  /** Sleeps it stands for (an estimate: sampled sleeps count several times). */
  sleeps: number;
}

/**
 * Stacks are taken in the sched_switch tracepoint: the leaf frames above
 * __schedule are the tracing machinery (trampolines, the BPF program, which
 * kallsyms names only if it was read after the program loaded), not why the
 * thread slept.
 */
const SCHEDULER_FRAME = '__schedule';

/**
 * Folds the kernel's per-interval off-CPU stack counts into flame-graph
 * stacks per service: user frames (root first) then the kernel frames down to
 * schedule(). Keeps the heaviest per service and state.
 */
export class OffCpuStacks {
  private readonly names: StackNames;
  /** The interval's records, folded as they came: a reset after them must not unname them. */
  private pending: { record: OffCpuStackRecord; folded: string }[] = [];

  constructor(
    symbolizers: StackSymbolizers,
    private readonly maxStacksPerService: number,
    budget: SymbolizeBudget,
  ) {
    this.names = new StackNames(symbolizers, budget);
  }

  onStackTrace(record: StackTraceRecord): void {
    this.names.onStackTrace(record.stackId, record.ips);
  }

  /** The kernel emptied its stack map: ids will name other stacks. */
  onReset(): void {
    this.names.onReset();
  }

  /**
   * Names the stack at once, while its process surely lives and while its ids
   * name it: the loader empties the stack map right after an interval's
   * records when it must, and tells so before the interval ends here.
   */
  onOffCpuStack(record: OffCpuStackRecord): void {
    this.pending.push({ record, folded: this.fold(record) });
  }

  endInterval(serviceOf: (tgid: number) => string): FoldedStackTime[] {
    const byStack = new Map<string, FoldedStackTime>();
    for (const { record, folded } of this.pending) {
      const serviceName = serviceOf(record.tgid);
      const key = `${serviceName}\0${record.state}\0${folded}`;
      const entry = byStack.get(key) ?? { serviceName, state: record.state, folded, offCpuNs: 0, sleeps: 0 };
      entry.offCpuNs += Number(record.offCpuNs);
      entry.sleeps += Number(record.count);
      byStack.set(key, entry);
    }
    this.pending = [];
    const groups = new Map<string, FoldedStackTime[]>();
    for (const entry of byStack.values()) {
      const group = `${entry.serviceName}\0${entry.state}`;
      groups.set(group, [...(groups.get(group) ?? []), entry]);
    }
    return [...groups.values()].flatMap((entries) =>
      entries.sort((a, b) => b.offCpuNs - a.offCpuNs).slice(0, this.maxStacksPerService),
    );
  }

  private fold(record: OffCpuStackRecord): string {
    const userFrames = record.userStack < 0 ? [] : this.names.userFramesOf(record.tgid, record.userStack);
    const kernelNames = this.names.kernelFramesOf(record.kernelStack);
    const scheduler = kernelNames.indexOf(SCHEDULER_FRAME);
    return foldStack(userFrames, kernelNames.slice(Math.max(scheduler, 0)));
  }
}

/** One log record per folded stack: the OTel-native carrier until a profiles signal lands. */
export function offCpuStackLogRecords(
  stacks: readonly FoldedStackTime[],
  options: { hostName: string; time: HrTime },
): ReadableLogRecord[] {
  return stackLogRecords(stacks, {
    ...options,
    eventName: OFFCPU_STACK_EVENT,
    attributesOf: (stack) => ({ [LogAttr.threadState]: stack.state, [LogAttr.offCpuNs]: stack.offCpuNs, [LogAttr.sleeps]: stack.sleeps }),
  });
}
