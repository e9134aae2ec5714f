/**
 * Wall time the agent may spend naming stacks per interval. A host's first
 * interval brings thousands of new stacks (every process's, each binary's
 * symbol table parsed once); naming them all at once blocked the event loop
 * for seconds, during which the loader's rings overflowed and short-lived
 * processes went unnamed. Past the budget, stacks wait for a later interval.
 */
export class SymbolizeBudget {
  private spentMs = 0;

  constructor(private readonly perIntervalMs: number) {}

  get exhausted(): boolean {
    return this.spentMs >= this.perIntervalMs;
  }

  /** Runs `name` and charges its time; undefined (not run) when the budget is spent. */
  spend<T>(name: () => T): T | undefined {
    if (this.exhausted) return undefined;
    const started = performance.now();
    try {
      return name();
    } finally {
      this.spentMs += performance.now() - started;
    }
  }

  /** A new interval: a new budget. */
  reset(): void {
    this.spentMs = 0;
  }
}
