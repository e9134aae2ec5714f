import { decodeClassKey, stackVerdictClassKey, type WaitClass } from '@stallscope/schemas';
import type { UserStackRecord } from '../../src/loader/records.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';

/**
 * Function names of a process's return addresses, leaf first (an unknown one
 * as its address in hex); with `leafReturn` (see UserStackRecord), the frame
 * the walk missed above the leaf may be put back, so the names may be one more.
 */
export type StackSymbolizer = (pid: number, addresses: readonly bigint[], leafReturn?: bigint) => string[];

/** The agent's stack rules: their ids in kernel order, and the classifier. */
export interface StackRules {
  ruleIds: readonly string[];
  classify(syscallName: string, frames: readonly (string | undefined)[]): { waitClass: WaitClass; ruleId: string };
}

export interface ClassOfKey {
  waitClass: WaitClass;
  ruleId: string;
}

/** Bounds the frames kept for slow-call spans; verdicts are bounded by the kernel's stack map. */
const MAX_KEPT_STACKS = 4096;
/** Bounds the stacks kept while they wait for the symbolize budget. */
const MAX_WAITING_STACKS = 4096;

/**
 * Stack id -> wait class, decided once per stack in user space: the kernel
 * sends a stack it has no verdict for, this symbolizes and classes it, keeps
 * the verdict (for the histogram entries already counted under the pending
 * id) and hands it back to the kernel, which counts later calls under the
 * class directly.
 */
export class StackVerdicts {
  private readonly verdicts = new Map<number, number>();
  private readonly frames = new Map<number, string[]>();
  /** Stacks the budget left unclassed, by id: the kernel sends them again, but a process that exits cannot wait. */
  private readonly waiting = new Map<number, UserStackRecord>();

  constructor(
    private readonly rules: StackRules,
    private readonly symbolize: StackSymbolizer,
    private readonly syscallNameOf: (nr: number) => string,
    private readonly tell: (stackId: number, classKey: number) => void,
    private readonly budget: SymbolizeBudget,
    /** Keeps a process's memory map while its stacks wait, so they can be named after it exits. */
    private readonly keepMappings: (pid: number) => void = () => {},
  ) {}

  /** A class_key whose stack has no verdict yet: its counts are held back rather than misclassed. */
  isPending(classKey: number): boolean {
    const decoded = decodeClassKey(classKey, () => undefined);
    return 'pendingStackId' in decoded && !this.verdicts.has(decoded.pendingStackId);
  }

  /**
   * Classes a stack the kernel sent. When the symbolize budget is spent it is
   * left pending: the kernel sends it again with the next snapshot, and the
   * calls counted under it wait for their class (see isPending). A stack
   * classed already comes again when the kernel's verdict map (least recently
   * used first) let its verdict go: the verdict is told again.
   */
  onUserStack(record: UserStackRecord): void {
    const known = this.verdicts.get(record.stackId);
    if (known !== undefined) {
      this.tell(record.stackId, known);
      return;
    }
    const frames = this.budget.spend(() => this.symbolize(record.tgid, record.ips, record.leafReturn));
    if (frames === undefined) {
      this.keepMappings(record.tgid);
      this.waiting.delete(record.stackId);
      this.waiting.set(record.stackId, record);
      if (this.waiting.size > MAX_WAITING_STACKS) this.waiting.delete(this.waiting.keys().next().value!);
      return;
    }
    this.decide(record, frames);
  }

  /**
   * Classes a pending class_key's stack now, over the budget: for a process
   * that has exited, or a span that has waited long enough, whose figures
   * would otherwise go out under the syscall's fallback class (futex as
   * lock), the error this class exists to prevent. An exited process's
   * mappings are still cached for a while (see keepMappings).
   */
  classifyNow(classKey: number): void {
    const decoded = decodeClassKey(classKey, () => undefined);
    if (!('pendingStackId' in decoded) || this.verdicts.has(decoded.pendingStackId)) return;
    const record = this.waiting.get(decoded.pendingStackId);
    if (record) this.decide(record, this.symbolize(record.tgid, record.ips, record.leafReturn));
  }

  private decide(record: UserStackRecord, frames: string[]): void {
    this.waiting.delete(record.stackId);
    const { waitClass, ruleId } = this.rules.classify(this.syscallNameOf(record.syscallNr), frames);
    const index = this.rules.ruleIds.indexOf(ruleId);
    const classKey = stackVerdictClassKey(waitClass, index < 0 ? this.rules.ruleIds.length : index);
    this.verdicts.set(record.stackId, classKey);
    if (this.frames.size >= MAX_KEPT_STACKS) this.frames.delete(this.frames.keys().next().value!);
    this.frames.set(record.stackId, frames);
    this.tell(record.stackId, classKey);
  }

  /** The class and rule of a class_key; a pending stack without a verdict gets the syscall's stack fallback. */
  classOf(classKey: number, syscallName: string): ClassOfKey {
    const decoded = decodeClassKey(classKey, (index) => this.rules.ruleIds[index]);
    if (!('pendingStackId' in decoded)) return decoded;
    const verdict = this.verdicts.get(decoded.pendingStackId);
    if (verdict !== undefined) return this.classOf(verdict, syscallName);
    return this.rules.classify(syscallName, []);
  }

  /**
   * Forgets the verdicts of stacks no longer counted under their pending ids
   * (the loader drops such entries once it reported them after the verdict,
   * or when their process exited): a host makes new stacks as long as it
   * runs, and without this the verdicts would grow with every one of them.
   */
  keepOnly(stackIds: ReadonlySet<number>): void {
    for (const stackId of this.verdicts.keys()) if (!stackIds.has(stackId)) this.verdicts.delete(stackId);
  }

  /** Symbolized frames of a stack classed here, leaf first. */
  framesOf(stackId: number): readonly string[] | undefined {
    return this.frames.get(stackId);
  }
}
