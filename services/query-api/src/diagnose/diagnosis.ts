import type { Store } from '@stallscope/store';
import type { QueryApiConfig } from '../config.js';
import { queryOffCpuStacks, type OffCpuStack } from '../kernel/offcpu-stacks-query.js';
import type { TimeRange } from '../kernel/time-ranges.js';
import { querySyscallWaits, waitsByClass, type WaitClassTotal } from '../kernel/waits-query.js';
import { queryErrorStorms, type ErrorStorm } from './error-storms-query.js';
import { queryGoRuntime, type GoRuntimeDiagnosis } from './go-runtime-query.js';
import { queryMemory, type MemoryDiagnosis } from './memory-query.js';
import { querySlowCalls, type SlowCall } from './slow-calls-query.js';

const TOP = 10;
const IDLE = 'idle';

/** Everything the one-click script of an incident would print for one service. */
export interface Diagnosis {
  readonly service: string;
  readonly window: string;
  readonly from: string;
  readonly to: string;
  readonly slowestCalls: SlowCall[];
  /** Non-idle waits per class, most blocked first. */
  readonly waitsByClass: WaitClassTotal[];
  /** Idle waits (threads waiting for work by design), kept apart so they do not outrank real waits. */
  readonly idleBlockedSeconds: number;
  readonly offCpuStacks: OffCpuStack[];
  readonly errorStorms: ErrorStorm[];
  /** Its Go runtime, from the goruntime signal (zeros and empty lists for a service that is not Go). */
  readonly goRuntime: GoRuntimeDiagnosis;
  /** Page faults, peak RSS and OOM kills (with their flight recorders), from the memory signal. */
  readonly memory: MemoryDiagnosis;
}

export async function diagnoseService(
  client: Store['client'],
  service: string,
  window: string,
  range: TimeRange,
  limits: QueryApiConfig,
): Promise<Diagnosis> {
  const [slowestCalls, waits, offCpuStacks, errorStorms, goRuntime, memory] = await Promise.all([
    querySlowCalls(client, service, range, TOP),
    querySyscallWaits(client, service, [range]),
    queryOffCpuStacks(client, service, [range], TOP),
    queryErrorStorms(client, service, range, TOP),
    queryGoRuntime(client, service, range, TOP),
    queryMemory(client, service, range, TOP, limits),
  ]);
  return {
    service,
    window,
    from: new Date(range.fromSeconds * 1000).toISOString(),
    to: new Date(range.toSeconds * 1000).toISOString(),
    slowestCalls,
    waitsByClass: waitsByClass(waits.filter((wait) => wait.waitClass !== IDLE)),
    idleBlockedSeconds: waits.filter((wait) => wait.waitClass === IDLE).reduce((sum, wait) => sum + wait.blockedSeconds, 0),
    offCpuStacks,
    errorStorms,
    goRuntime,
    memory,
  };
}
