import type { SymbolizeBudget } from '../symbols/index.js';

/** Kernel addresses -> names; user addresses of a process -> names (undefined where unknown). */
export interface StackSymbolizers {
  kernel(address: bigint): string | undefined;
  user(pid: number, addresses: readonly bigint[]): (string | undefined)[];
}

/** Bounds the addresses kept per stack id (the kernel's map is bounded; this only follows it). */
const MAX_KEPT_STACK_IDS = 32_768;

const hex = (address: bigint): string => `0x${address.toString(16)}`;

/**
 * The frames behind the stack ids of one kernel stack map, as a signal's
 * loader part sends them (addresses once per id, a reset when the map was
 * emptied). User stacks are named under the symbolizing budget and
 * remembered per (process, addresses), across resets; frames stay leaf first.
 */
export class StackNames {
  private readonly addresses = new Map<number, bigint[]>();
  /**
   * (process, user stack addresses) -> frames, named while the process lived
   * (its last interval comes after it exited). Keyed by the addresses, not the
   * id: the profile signal's ids are new every interval, its stacks mostly not.
   */
  private readonly userFrames = new Map<string, string[]>();

  constructor(
    private readonly symbolizers: StackSymbolizers,
    private readonly budget: SymbolizeBudget,
  ) {}

  onStackTrace(stackId: number, ips: bigint[]): void {
    if (this.addresses.size >= MAX_KEPT_STACK_IDS) this.addresses.delete(this.addresses.keys().next().value!);
    this.addresses.set(stackId, ips);
  }

  /** The kernel emptied its stack map: ids will name other stacks. */
  onReset(): void {
    this.addresses.clear();
  }

  /** Kernel frames, leaf first; unknown addresses in hex; [] for an id never sent. */
  kernelFramesOf(stackId: number): string[] {
    return (this.addresses.get(stackId) ?? []).map((address) => this.symbolizers.kernel(address) ?? hex(address));
  }

  /** User frames, leaf first; unknown addresses in hex. */
  userFramesOf(tgid: number, stackId: number): string[] {
    const user = this.addresses.get(stackId);
    if (!user) return ['[unknown user stack]'];
    const key = `${tgid}:${user.join(',')}`;
    const known = this.userFrames.get(key);
    if (known) return known;
    const names = this.budget.spend(() => this.symbolizers.user(tgid, user));
    // Over budget: unnamed this time, and not remembered, so a later interval names it.
    if (names === undefined) return user.map(hex);
    const frames = names.map((name, i) => name ?? hex(user[i]!));
    // Kept named or not: symbolizing the same unnamed JIT stack every interval was a large share of the agent's CPU.
    if (this.userFrames.size >= MAX_KEPT_STACK_IDS) this.userFrames.delete(this.userFrames.keys().next().value!);
    this.userFrames.set(key, frames);
    return frames;
  }
}

/** Flame graph tools' folded format: root first, joined by ';', kernel frames marked `[k] `. */
export function foldStack(userFramesLeafFirst: readonly string[], kernelFramesLeafFirst: readonly string[]): string {
  const kernel = kernelFramesLeafFirst.map((name) => `[k] ${name}`);
  return [...[...userFramesLeafFirst].reverse(), ...kernel.reverse()].join(';') || '[no stack]';
}
