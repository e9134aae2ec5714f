import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Registry };

/** One registry per process, with Node's runtime metrics; every module registers into it. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stallscope_' });
  return registry;
}

interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/**
 * Returns the registered metric of that name or registers it: two components of
 * one kind in one process (tests, or two consumers) share their counters.
 */
export function counter<L extends string>(registry: Registry, options: MetricOptions<L>): Counter<L> {
  const existing = registry.getSingleMetric(options.name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ ...options, labelNames: options.labelNames ?? [], registers: [registry] });
}

/** A gauge; with `collect`, one that reads its value when scraped (a value nothing else sets, such as free disk space). */
export function gauge<L extends string>(registry: Registry, options: MetricOptions<L> & { collect?: (this: Gauge<L>) => void }): Gauge<L> {
  const existing = registry.getSingleMetric(options.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ ...options, labelNames: options.labelNames ?? [], registers: [registry] });
}

export function histogram<L extends string>(
  registry: Registry,
  options: MetricOptions<L> & { buckets: number[] },
): Histogram<L> {
  const existing = registry.getSingleMetric(options.name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ ...options, labelNames: options.labelNames ?? [], registers: [registry] });
}
