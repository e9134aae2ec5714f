import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { CPU_STACK_EVENT, CpuStackLogAttr } from '@stallscope/schemas';
import type { CpuStackRecord } from '../../src/loader/records.js';
import { stackLogRecords } from '../../src/stacks/stack-log-records.js';
import { StackNames, foldStack, type StackSymbolizers } from '../../src/stacks/stack-names.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';

export interface FoldedCpuStack {
  serviceName: string;
  /** Root first, frames joined by ';', kernel frames marked `[k] `. */
  folded: string;
  samples: number;
  cpuNs: number;
}

/** The line that keeps a service's total true when its rarest stacks are cut. */
export const OTHER_STACKS = '[other stacks]';

/**
 * Folds the kernel's per-interval CPU sample counts into flame-graph stacks
 * per service: user frames (root first) then the kernel frames the sample
 * interrupted. Keeps the most sampled stacks per service; the rest are summed
 * into one OTHER_STACKS line, so a service's CPU time stays whole.
 */
export class CpuStacks {
  private readonly names: StackNames;
  private pending: CpuStackRecord[] = [];

  constructor(
    symbolizers: StackSymbolizers,
    private readonly options: { maxStacksPerService: number; sampleHz: number; budget: SymbolizeBudget },
  ) {
    this.names = new StackNames(symbolizers, options.budget);
  }

  onStackTrace(stackId: number, ips: bigint[]): void {
    this.names.onStackTrace(stackId, ips);
  }

  onReset(): void {
    this.names.onReset();
  }

  onCpuStack(record: CpuStackRecord): void {
    this.pending.push(record);
  }

  /**
   * Names the interval's stacks, the most sampled first: when naming is over
   * budget (a busy host brings many new processes' stacks at once), the stacks
   * that weigh most in the profile are the ones named. Called right after the
   * interval's records arrived, while their processes still live.
   */
  endInterval(serviceOf: (tgid: number) => string): FoldedCpuStack[] {
    const nsPerSample = 1e9 / this.options.sampleHz;
    const byService = new Map<string, Map<string, number>>();
    this.pending.sort((a, b) => Number(b.samples - a.samples));
    for (const record of this.pending) {
      const serviceName = serviceOf(record.tgid);
      const stacks = byService.get(serviceName) ?? new Map<string, number>();
      const folded = this.fold(record);
      stacks.set(folded, (stacks.get(folded) ?? 0) + Number(record.samples));
      byService.set(serviceName, stacks);
    }
    this.pending = [];
    const out: FoldedCpuStack[] = [];
    for (const [serviceName, stacks] of byService) {
      const sorted = [...stacks].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const kept = sorted.slice(0, this.options.maxStacksPerService);
      const rest = sorted.slice(this.options.maxStacksPerService).reduce((sum, [, samples]) => sum + samples, 0);
      if (rest > 0) kept.push([OTHER_STACKS, rest]);
      for (const [folded, samples] of kept) out.push({ serviceName, folded, samples, cpuNs: Math.round(samples * nsPerSample) });
    }
    return out;
  }

  private fold(record: CpuStackRecord): string {
    const userFrames = record.userStack < 0 ? [] : this.names.userFramesOf(record.tgid, record.userStack);
    const kernelFrames = record.kernelStack < 0 ? [] : this.names.kernelFramesOf(record.kernelStack);
    return foldStack(userFrames, kernelFrames);
  }
}

/** One log record per folded stack and interval (event CPU_STACK_EVENT; see docs/profiles.md for why logs). */
export function cpuStackLogRecords(stacks: readonly FoldedCpuStack[], options: { hostName: string; time: HrTime }): ReadableLogRecord[] {
  return stackLogRecords(stacks, {
    ...options,
    eventName: CPU_STACK_EVENT,
    attributesOf: (stack) => ({ [CpuStackLogAttr.samples]: stack.samples, [CpuStackLogAttr.cpuNs]: stack.cpuNs }),
  });
}
