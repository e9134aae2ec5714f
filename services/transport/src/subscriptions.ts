import type { BatchHandler } from './transport.js';

/**
 * A consumer's topic -> handler registrations: one handler per topic, and only
 * before the consumer starts (both transports share these rules).
 */
export class Subscriptions {
  readonly handlers = new Map<string, BatchHandler>();
  private frozen = false;

  constructor(private readonly groupId: string) {}

  add(topic: string, handler: BatchHandler): void {
    if (this.frozen) throw new Error(`subscribe(${topic}) after start; subscribe before starting the consumer`);
    if (this.handlers.has(topic)) throw new Error(`consumer of group ${this.groupId} already subscribed to ${topic}`);
    this.handlers.set(topic, handler);
  }

  /** Called by start: the set of topics is final from here on. */
  freeze(): void {
    this.frozen = true;
  }
}
