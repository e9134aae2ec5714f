import type { Producer } from 'kafkajs';

/** One kafkajs producer: one producer id, whose sequence numbers per partition the brokers check. */
interface Incarnation {
  producer: Producer;
  connected: Promise<void>;
  inFlight: number;
  retired: boolean;
  disconnected?: Promise<void>;
}

/**
 * kafkajs producers, one at a time, for idempotent requests whose failure
 * must not cost the next request anything.
 *
 * kafkajs gives a failed request's sequence numbers to the next request to
 * its partition. When the failed one did reach the log (the broker wrote it
 * and its answer was lost: a leader killed mid-request, a connection reset),
 * the broker takes the next request of as many messages for a retry of the
 * one it has, answers success and drops it; of another size, it refuses it
 * and every later one (out of order). Kafka's Java producer bumps its epoch
 * there; kafkajs cannot. So the producer a request failed on is retired and
 * the next request gets a new one: a new producer id, its sequences from 0.
 * A retired producer disconnects once its requests in flight settle.
 */
export class RenewableProducer {
  private current: Incarnation | undefined;
  private readonly alive = new Set<Incarnation>();

  constructor(
    private readonly make: () => Producer,
    private readonly onRenewal: (error: unknown) => void,
  ) {}

  /** Connects the producer the next request will use. */
  async connect(): Promise<void> {
    await this.connected();
  }

  /** Runs `request` on the current producer; a rejection retires that producer. */
  async run<T>(request: (producer: Producer) => Promise<T>): Promise<T> {
    const incarnation = await this.connected();
    incarnation.inFlight += 1;
    try {
      return await request(incarnation.producer);
    } catch (err) {
      if (!incarnation.retired) {
        this.retire(incarnation);
        this.onRenewal(err);
      }
      throw err;
    } finally {
      incarnation.inFlight -= 1;
      if (incarnation.retired && incarnation.inFlight === 0) void this.disconnect(incarnation);
    }
  }

  /** Disconnects every producer, in flight or not. */
  async disconnectAll(): Promise<void> {
    const incarnations = [...this.alive];
    this.current = undefined;
    for (const incarnation of incarnations) incarnation.retired = true;
    await Promise.all(incarnations.map((incarnation) => this.disconnect(incarnation)));
  }

  private async connected(): Promise<Incarnation> {
    if (!this.current) {
      const producer = this.make();
      const incarnation: Incarnation = { producer, connected: producer.connect(), inFlight: 0, retired: false };
      this.current = incarnation;
      this.alive.add(incarnation);
    }
    const incarnation = this.current;
    try {
      await incarnation.connected;
    } catch (err) {
      // The next request tries a new one.
      this.retire(incarnation);
      throw err;
    }
    return incarnation;
  }

  private retire(incarnation: Incarnation): void {
    incarnation.retired = true;
    if (this.current === incarnation) this.current = undefined;
    if (incarnation.inFlight === 0) void this.disconnect(incarnation);
  }

  private disconnect(incarnation: Incarnation): Promise<void> {
    incarnation.disconnected ??= incarnation.producer
      .disconnect()
      .catch(() => undefined)
      .finally(() => this.alive.delete(incarnation));
    return incarnation.disconnected;
  }
}
