export interface LruWeight<V> {
  /** Bound on the summed weights of the entries (bytes, say). */
  maxWeight: number;
  weightOf(value: V): number;
}

/**
 * A Map bounded to `maxEntries` and, when given a weight, to a summed weight,
 * dropping the least recently used entries first. An entry heavier than the
 * whole bound is kept alone rather than dropped at once (it would be rebuilt
 * on every use).
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();
  private totalWeight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly weight?: LruWeight<V>,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${maxEntries}`);
    if (weight && !(weight.maxWeight > 0)) throw new RangeError(`maxWeight must be positive, got ${weight.maxWeight}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The summed weight of the entries (0 without a weight). */
  get weightInUse(): number {
    return this.totalWeight;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Marks the entry as just used. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  delete(key: K): void {
    if (!this.entries.has(key)) return;
    this.totalWeight -= this.weightOf(this.entries.get(key) as V);
    this.entries.delete(key);
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.entries.set(key, value);
    this.totalWeight += this.weightOf(value);
    while (this.entries.size > 1 && (this.entries.size > this.maxEntries || (this.weight && this.totalWeight > this.weight.maxWeight))) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  private weightOf(value: V): number {
    return this.weight ? this.weight.weightOf(value) : 0;
  }
}
