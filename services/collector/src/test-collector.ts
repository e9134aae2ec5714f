// Test support: a collector on ephemeral loopback ports feeding an in-process
// transport whose consumer keeps every message. Imported by tests only.
import { createLogger, createMetricsRegistry, type Registry } from '@stallscope/common';
import { Topics } from '@stallscope/schemas';
import { createInProcessTransport, type DeliveredMessage, type TransportProducer } from '@stallscope/transport';
import { createCollector, type Collector } from './collector.js';
import { collectorConfigDefaults, type CollectorConfig } from './config.js';

export interface TestCollector {
  collector: Collector;
  registry: Registry;
  grpcUrl: string;
  httpUrl: string;
  /** Messages the transport delivered so far, per topic. */
  delivered: Map<string, DeliveredMessage[]>;
  /** Resolves once the topic holds at least `count` messages. */
  waitForMessages(topic: string, count: number, timeoutMs?: number): Promise<DeliveredMessage[]>;
  stop(): Promise<void>;
}

export async function startTestCollector(
  overrides: Partial<CollectorConfig> = {},
  options: { producer?: TransportProducer } = {},
): Promise<TestCollector> {
  const logger = createLogger(process.env.STALLSCOPE_TEST_LOG_LEVEL === 'debug' ? 'debug' : 'warn');
  const registry = createMetricsRegistry();
  const transport = createInProcessTransport({ maxQueuedMessages: 10_000 }, { logger, metrics: registry });
  const delivered = new Map<string, DeliveredMessage[]>();
  const consumer = transport.createConsumer('collector-test');
  for (const topic of [Topics.spans, Topics.metrics, Topics.logs]) {
    delivered.set(topic, []);
    consumer.subscribe(topic, async (batch) => {
      delivered.get(topic)!.push(...batch);
    });
  }
  const producer = options.producer ?? transport.createProducer();
  const collector = createCollector(
    { ...collectorConfigDefaults, grpcPort: 0, httpPort: 0, ...overrides },
    { logger, metrics: registry, producer },
  );
  await consumer.start();
  await producer.start();
  await collector.start();
  return {
    collector,
    registry,
    grpcUrl: `http://127.0.0.1:${collector.grpcPort}`,
    httpUrl: `http://127.0.0.1:${collector.httpPort}`,
    delivered,
    async waitForMessages(topic, count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (delivered.get(topic)!.length < count) {
        if (Date.now() > deadline) throw new Error(`${topic}: ${delivered.get(topic)!.length} of ${count} messages after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return delivered.get(topic)!;
    },
    async stop() {
      await collector.stop();
      await producer.stop();
      await consumer.stop();
    },
  };
}

/** The value of one sample of a Prometheus metric in the registry (0 when absent). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const sample = values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
  return sample?.value ?? 0;
}
