import { withLifecycle, type Component, type Logger, type Registry } from '@stallscope/common';
import type { TransportProducer } from '@stallscope/transport';
import { createCollectorMetrics } from './collector-metrics.js';
import type { CollectorConfig } from './config.js';
import { createExportPipeline } from './export-pipeline.js';
import { createGrpcReceiver } from './grpc-receiver.js';
import { createHttpReceiver } from './http-receiver.js';
import { InFlightBytes } from './in-flight-bytes.js';
import { otlpRoot } from './otlp-types.js';

export interface CollectorDeps {
  logger: Logger;
  metrics: Registry;
  /** Started before the collector and stopped after it (the caller's order), so accepted requests still go out. */
  producer: TransportProducer;
}

export interface Collector extends Component {
  /** Ports listened on once started (the configured ones, or those picked for 0). */
  readonly grpcPort: number;
  readonly httpPort: number;
}

/**
 * The OTLP collector endpoint: applications' own traces, metrics and logs in
 * over OTLP/gRPC and OTLP/HTTP, out to the transport's otlp_* topics as
 * otlp_proto messages (as the OpenTelemetry Collector's kafka exporter writes
 * them), so they reach the same store as the agent's.
 */
export function createCollector(config: CollectorConfig, deps: CollectorDeps): Collector {
  const logger = deps.logger.child({ component: 'collector' });
  const metrics = createCollectorMetrics(deps.metrics);
  const inFlight = new InFlightBytes(config.maxInFlightBytes, metrics.inFlightBytes);
  const pipeline = createExportPipeline(config, { producer: deps.producer, metrics, logger });
  const receiverDeps = { pipeline, inFlight, metrics, logger };
  const grpcReceiver = createGrpcReceiver(config, receiverDeps);
  const httpReceiver = createHttpReceiver(config, receiverDeps);

  const lifecycle = withLifecycle({
    async start() {
      // Parse the protos now: a broken schema fails the start, not the first request.
      otlpRoot();
      await grpcReceiver.start();
      try {
        await httpReceiver.start();
      } catch (err) {
        await grpcReceiver.stop();
        throw err;
      }
    },
    async stop() {
      await Promise.all([grpcReceiver.stop(), httpReceiver.stop()]);
    },
  });
  return {
    start: lifecycle.start,
    stop: lifecycle.stop,
    get grpcPort() {
      return grpcReceiver.port;
    },
    get httpPort() {
      return httpReceiver.port;
    },
  };
}
