import type { Component, Logger } from '@stallscope/common';
import type { CollectorMetrics } from './collector-metrics.js';
import type { ExportPipeline } from './export-pipeline.js';
import type { InFlightBytes } from './in-flight-bytes.js';

/** One OTLP listener (gRPC or HTTP) in front of the shared export pipeline. */
export interface Receiver extends Component {
  /** The port listened on, once started (the configured one, or the one picked for 0). */
  readonly port: number;
}

export interface ReceiverDeps {
  pipeline: ExportPipeline;
  inFlight: InFlightBytes;
  metrics: CollectorMetrics;
  logger: Logger;
}
