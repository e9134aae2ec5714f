import type { LoaderRecord } from '../../src/loader/records.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import type { StackSymbolizers } from '../../src/stacks/stack-names.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';
import { CpuStacks, cpuStackLogRecords } from './cpu-stacks.js';

export interface ProfileSignalOptions {
  symbolizers: StackSymbolizers;
  /** cpu-clock samples per second on each CPU (the loader's --profile-hz). */
  sampleHz: number;
  /** The most sampled stacks kept per service each interval; the rest are summed into one line. */
  maxStacksPerService: number;
  /** The signal's own; renewed at each interval's end. */
  symbolizeBudget: SymbolizeBudget;
}

/** CPU profiles: every service's sampled stacks of the interval, folded, as log records. */
export function createProfileSignal(context: SignalContext, options: ProfileSignalOptions): AgentSignal {
  const stacks = new CpuStacks(options.symbolizers, {
    maxStacksPerService: options.maxStacksPerService,
    sampleHz: options.sampleHz,
    budget: options.symbolizeBudget,
  });
  return {
    name: 'profile',
    recordTypes: ['cpu-stack', 'cpu-stack-trace', 'cpu-stacks-reset'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'cpu-stack') stacks.onCpuStack(record);
      else if (record.type === 'cpu-stack-trace') stacks.onStackTrace(record.stackId, record.ips);
      else if (record.type === 'cpu-stacks-reset') stacks.onReset();
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const folded = stacks.endInterval((tgid) => context.processes.lookup(tgid).serviceName);
      options.symbolizeBudget.reset();
      return {
        logRecords: cpuStackLogRecords(folded, { hostName: context.hostName, time: bounds.endTime }),
        resourceMetrics: [],
        spans: [],
        exitedTgids: [],
      };
    },
  };
}
