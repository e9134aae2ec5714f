/**
 * The byte budget of requests received but not yet accepted by the transport.
 * While Kafka is unreachable sends pile up here; past the bound new requests
 * are refused (retryable) instead of growing the heap.
 */
export class InFlightBytes {
  #held = 0;

  constructor(
    readonly maxBytes: number,
    private readonly gauge: { set(value: number): void },
  ) {}

  get held(): number {
    return this.#held;
  }

  /** Holds `bytes` if they fit under the bound; false (nothing held) if not. */
  tryReserve(bytes: number): boolean {
    if (this.#held + bytes > this.maxBytes) return false;
    this.#held += bytes;
    this.gauge.set(this.#held);
    return true;
  }

  release(bytes: number): void {
    this.#held -= bytes;
    this.gauge.set(this.#held);
  }
}
