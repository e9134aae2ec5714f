import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { GO_PARK_STACK_EVENT, GoParkLogAttr } from '@stallscope/schemas';
import type { GoParkStackRecord, GoStackTraceRecord } from '../../src/loader/records.js';
import { stackLogRecords } from '../../src/stacks/stack-log-records.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';

export interface GoParkStackTime {
  serviceName: string;
  waitReason: string;
  /** Root first, frames joined by ';' (flame graph tools' folded format). */
  folded: string;
  parkedNs: number;
  /** Parks it stands for (an estimate: one sampled park counts several times). */
  parks: number;
}

/** Bounds the addresses kept per stack id (the kernel's map is bounded; this only follows it). */
const MAX_KEPT_STACK_IDS = 16_384;

const hex = (address: bigint): string => `0x${address.toString(16)}`;

/**
 * Folds the kernel's per-interval park-stack counts into goroutine stacks per
 * service and wait reason, keeping the heaviest. The probe fires at gopark's
 * first instruction, before it has a frame: the walk starts at gopark and
 * goes on from its caller's caller (the runtime's own wait function, e.g.
 * semacquire1, is skipped; the user frames above it are all there).
 */
export class GoParkStacks {
  private readonly addresses = new Map<number, bigint[]>();
  /** (process, stack id) -> frames, named while the process lived. */
  private readonly frames = new Map<string, string[]>();
  /** The interval's records, folded as they came: a reset after them must not unname them. */
  private pending: { record: GoParkStackRecord; waitReason: string; folded: string }[] = [];

  constructor(
    private readonly symbolize: (pid: number, addresses: readonly bigint[]) => (string | undefined)[],
    private readonly maxStacksPerService: number,
    private readonly budget: SymbolizeBudget,
  ) {}

  onStackTrace(record: GoStackTraceRecord): void {
    if (this.addresses.size >= MAX_KEPT_STACK_IDS) this.addresses.delete(this.addresses.keys().next().value!);
    this.addresses.set(record.stackId, record.ips);
  }

  onReset(): void {
    this.addresses.clear();
    this.frames.clear();
  }

  /**
   * Names the stack at once, while its process surely lives and while its id
   * names it: the loader empties the stack map right after an interval's
   * records when it must, and tells so before the interval ends here.
   */
  onParkStack(record: GoParkStackRecord, waitReason: string): void {
    const folded = [...this.framesOf(record.tgid, record.userStack)].reverse().join(';') || '[no stack]';
    this.pending.push({ record, waitReason, folded });
  }

  endInterval(serviceOf: (tgid: number) => string): GoParkStackTime[] {
    const byStack = new Map<string, GoParkStackTime>();
    for (const { record, waitReason, folded } of this.pending) {
      const serviceName = serviceOf(record.tgid);
      const key = `${serviceName}\0${waitReason}\0${folded}`;
      const entry = byStack.get(key) ?? { serviceName, waitReason, folded, parkedNs: 0, parks: 0 };
      entry.parkedNs += Number(record.parkedNs);
      entry.parks += Number(record.count);
      byStack.set(key, entry);
    }
    this.pending = [];
    const groups = new Map<string, GoParkStackTime[]>();
    for (const entry of byStack.values()) {
      const group = `${entry.serviceName}\0${entry.waitReason}`;
      groups.set(group, [...(groups.get(group) ?? []), entry]);
    }
    return [...groups.values()].flatMap((entries) =>
      entries.sort((a, b) => b.parkedNs - a.parkedNs).slice(0, this.maxStacksPerService),
    );
  }

  private framesOf(tgid: number, stackId: number): string[] {
    const key = `${tgid}:${stackId}`;
    const known = this.frames.get(key);
    if (known) return known;
    const addresses = this.addresses.get(stackId);
    if (!addresses) return ['[unknown stack]'];
    const names = this.budget.spend(() => this.symbolize(tgid, addresses));
    // Over budget: unnamed this time and not remembered, so a later interval names it.
    if (names === undefined) return addresses.map(hex);
    const frames = names.map((name, i) => name ?? hex(addresses[i]!));
    if (this.frames.size >= MAX_KEPT_STACK_IDS) this.frames.delete(this.frames.keys().next().value!);
    this.frames.set(key, frames);
    return frames;
  }
}

/** One log record per folded park stack, as the offcpu signal sends its stacks. */
export function goParkStackLogRecords(
  stacks: readonly GoParkStackTime[],
  options: { hostName: string; time: HrTime },
): ReadableLogRecord[] {
  return stackLogRecords(stacks, {
    ...options,
    eventName: GO_PARK_STACK_EVENT,
    attributesOf: (stack) => ({
      [GoParkLogAttr.waitReason]: stack.waitReason,
      [GoParkLogAttr.parkedNs]: stack.parkedNs,
      [GoParkLogAttr.parks]: stack.parks,
    }),
  });
}
