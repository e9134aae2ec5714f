import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '@stallscope/common';
import { ResourceAttr } from '@stallscope/schemas';
import type { SelfTracingConfig } from './self-tracing-config.js';

/** Started self-tracing; stop flushes the spans still queued. */
export interface SelfTracing {
  stop(): Promise<void>;
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Registers the global tracer provider that the packages' `@opentelemetry/api`
 * tracers then use. Only the launcher imports this module, and only when a
 * tracesEndpoint is set: with self-tracing off the SDK is never loaded and
 * every span the packages start is the API's no-op.
 *
 * Everything is configured here rather than from OTEL_* variables (no resource
 * detectors, no propagator, no metric or log exporters), so the config file
 * says what is exported. The SDK and the OTLP exporter still honour a few of
 * their own variables (OTEL_SDK_DISABLED, OTEL_LOG_LEVEL, OTEL_SPAN_*_LIMIT,
 * OTEL_EXPORTER_OTLP_*HEADERS and *CERTIFICATE): docs/deployment.md lists them.
 */
export function startSelfTracing(config: SelfTracingConfig, target: string, logger: Logger): SelfTracing {
  const serviceName = config.serviceName || `stallscope-${target.replaceAll(',', '-')}`;
  const exporter = new OTLPTraceExporter({ url: config.tracesEndpoint });
  const sdk = new NodeSDK({
    autoDetectResources: false,
    resource: resourceFromAttributes({
      [ResourceAttr.serviceName]: serviceName,
      [ResourceAttr.serviceVersion]: version,
      [ResourceAttr.hostName]: hostname(),
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: null,
  });
  sdk.start();
  logger.info({ tracesEndpoint: config.tracesEndpoint, serviceName, sampleRatio: config.sampleRatio }, 'self-tracing on');
  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= sdk.shutdown().catch((err: unknown) => logger.warn({ err }, 'self-tracing could not flush its last spans'));
      return stopping;
    },
  };
}
