export { createCollector } from './collector.js';
export type { Collector, CollectorDeps } from './collector.js';
export { collectorConfigDefaults, collectorConfigSchema } from './config.js';
export type { CollectorConfig } from './config.js';
