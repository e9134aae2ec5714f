import type { Logger } from '@stallscope/common';
import type { LauncherConfig } from './config.js';
import type { SelfTracing } from './self-tracing.js';

/**
 * Starts self-tracing when a tracesEndpoint is set. The SDK's module is
 * imported only then: with self-tracing off (the default) no process loads
 * the OpenTelemetry SDK, and the packages' API tracers stay no-ops.
 */
export async function startSelfTracingIfOn(config: LauncherConfig, logger: Logger): Promise<SelfTracing | undefined> {
  if (config.selfTracing.tracesEndpoint === '') return undefined;
  const { startSelfTracing } = await import('./self-tracing.js');
  return startSelfTracing(config.selfTracing, config.target, logger);
}
