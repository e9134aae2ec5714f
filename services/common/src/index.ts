export { withLifecycle } from './lifecycle.js';
export type { Component } from './lifecycle.js';
export { createLogger, LOG_LEVELS } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { Registry, counter, createMetricsRegistry, gauge, histogram } from './metrics.js';
export { ConfigError, envVarName, loadConfig } from './config.js';
export type { LoadConfigOptions } from './config.js';
export { createProgress } from './progress.js';
export type { Progress, ProgressOptions, ProgressStream } from './progress.js';
