/** The smallest buffer the pool hands out: a request of a few spans. */
const MIN_CAPACITY = 64 * 1024;

/** The capacity a request of `length` bytes gets: a power of two, so that a buffer fits the next requests of its class. */
function capacityFor(length: number): number {
  return Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(Math.max(length, 1))));
}

/**
 * Buffers for encoded rows, taken back once the batch that held them is done.
 *
 * Each request's rows leave the WebAssembly encoder in a buffer of their own,
 * about 1 KiB a span. A batch holds them until its inserts settle, which is
 * long enough for them to outlive V8's young generation, so only a full
 * collection frees them; and V8 starts one for every few tens of MiB of new
 * buffers, whatever the heap holds. Over a drain into a ClickHouse server
 * that was a full collection every ~40k spans, and marking took a quarter of
 * the ingest's CPU. Buffers reused from here are no new memory to V8.
 *
 * Whoever releases a buffer must hold no view of it any more: the next take
 * writes over it. Buffers never taken from here are ignored by release.
 */
export class RowBufferPool {
  /** Free buffers by capacity. */
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Every buffer this pool made, taken or free. */
  readonly #made = new WeakSet<ArrayBuffer>();
  /** The free ones, so that a buffer released twice is pooled once. */
  readonly #isFree = new WeakSet<ArrayBuffer>();
  #freeBytes = 0;

  /**
   * @param maxFreeBytes free buffers past this are left to the garbage collector: what an idle ingest keeps.
   * @param onTake told of each take, whether it reused a buffer.
   */
  constructor(
    readonly maxFreeBytes: number,
    private readonly onTake: (reused: boolean) => void = () => {},
  ) {}

  /** Bytes held in free buffers. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A buffer of `length` bytes, its contents undefined. */
  take(length: number): Buffer {
    const capacity = capacityFor(length);
    let buffer = this.#free.get(capacity)?.pop();
    if (buffer) {
      this.#isFree.delete(buffer);
      this.#freeBytes -= capacity;
      this.onTake(true);
    } else {
      buffer = new ArrayBuffer(capacity);
      this.#made.add(buffer);
      this.onTake(false);
    }
    return Buffer.from(buffer, 0, length);
  }

  /** Takes back the buffers of these views, each once; a view not from this pool is ignored. */
  release(buffers: Iterable<ArrayBufferLike>): void {
    for (const buffer of buffers) {
      if (!(buffer instanceof ArrayBuffer) || !this.#made.has(buffer) || this.#isFree.has(buffer)) continue;
      const capacity = buffer.byteLength;
      if (this.#freeBytes + capacity > this.maxFreeBytes) continue;
      this.#isFree.add(buffer);
      this.#freeBytes += capacity;
      const free = this.#free.get(capacity);
      if (free) free.push(buffer);
      else this.#free.set(capacity, [buffer]);
    }
  }
}
