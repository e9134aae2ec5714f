interface Waiting<T> {
  items: readonly T[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * One request at a time per key, in call order; other keys go alongside. What
 * is queued behind a running request goes together in the next one, up to
 * maxBytes (a single call larger than that goes alone), and each caller
 * settles with the request that carried its items. A key is forgotten once idle.
 */
export class CoalescingQueue<T> {
  private readonly queues = new Map<string, Waiting<T>[]>();

  constructor(
    private readonly request: (key: string, items: T[]) => Promise<void>,
    private readonly bytesOf: (item: T) => number,
    private readonly maxBytes: number,
  ) {}

  run(key: string, items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting<T> = { items, bytes: items.reduce((sum, item) => sum + this.bytesOf(item), 0), resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(waiting);
        return;
      }
      this.queues.set(key, [waiting]);
      void this.drain(key);
    });
  }

  /** Keys with requests queued or running. */
  get size(): number {
    return this.queues.size;
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const taken = [queue.shift()!];
      let bytes = taken[0]!.bytes;
      while (queue.length > 0 && bytes + queue[0]!.bytes <= this.maxBytes) {
        bytes += queue[0]!.bytes;
        taken.push(queue.shift()!);
      }
      try {
        await this.request(
          key,
          taken.flatMap((waiting) => waiting.items),
        );
        for (const waiting of taken) waiting.resolve();
      } catch (error) {
        for (const waiting of taken) waiting.reject(error);
      }
    }
    this.queues.delete(key);
  }
}
