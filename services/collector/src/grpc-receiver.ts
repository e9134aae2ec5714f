import * as grpc from '@grpc/grpc-js';
import { withLifecycle } from '@stallscope/common';
import { bearerAuthorized } from './bearer-auth.js';
import type { CollectorConfig } from './config.js';
import { ExportRefusal, type RefusalReason } from './collector-metrics.js';
import type { Receiver, ReceiverDeps } from './receiver.js';
import { exportResponse } from './responses.js';
import { SIGNALS, type SignalShape } from './signals.js';

/** OTLP's gRPC answers: UNAVAILABLE is the code its exporters retry. */
const REFUSAL_CODES: Record<RefusalReason, grpc.status> = {
  unauthenticated: grpc.status.UNAUTHENTICATED,
  unsupported_media_type: grpc.status.INVALID_ARGUMENT,
  too_large: grpc.status.RESOURCE_EXHAUSTED,
  malformed: grpc.status.INVALID_ARGUMENT,
  in_flight_limit: grpc.status.UNAVAILABLE,
  transport_error: grpc.status.UNAVAILABLE,
};

const identity = (bytes: Buffer): Buffer => bytes;

/** The Export method of one OTLP service; messages stay bytes so the pipeline decodes once. */
function exportMethod(shape: SignalShape): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/${shape.grpcService}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

/** Grace for calls in flight at stop before they are cancelled. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * OTLP/gRPC: the TraceService, MetricsService and LogsService Export methods
 * (gzip-compressed messages are decompressed by grpc-js, bounded by
 * maxRequestBytes like the HTTP bodies).
 */
export function createGrpcReceiver(config: CollectorConfig, deps: ReceiverDeps): Receiver {
  const { pipeline, inFlight, metrics } = deps;
  const logger = deps.logger.child({ receiver: 'otlp-grpc' });
  const server = new grpc.Server({
    'grpc.max_receive_message_length': config.maxRequestBytes,
  });

  function handler(shape: SignalShape): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      const body = call.request;
      let held = 0;
      let sendSettled: Promise<unknown> | undefined;
      const answer = async (): Promise<Buffer> => {
        const header = call.metadata.get('authorization')[0];
        if (!bearerAuthorized(typeof header === 'string' ? header : undefined, config.authToken)) {
          throw new ExportRefusal('unauthenticated', 'missing or wrong bearer token (authorization: Bearer <token>)');
        }
        if (!inFlight.tryReserve(body.length)) {
          throw new ExportRefusal('in_flight_limit', `collector is at its in-flight bound (${inFlight.maxBytes} bytes); retry later`);
        }
        held = body.length;
        const plan = await pipeline.export(shape, 'protobuf', body, (settled) => (sendSettled = settled));
        return exportResponse(shape, plan).protobuf;
      };
      answer().then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (err instanceof ExportRefusal) {
            metrics.refused.inc({ signal: shape.name, reason: err.reason });
            callback({ code: REFUSAL_CODES[err.reason], details: err.message });
            return;
          }
          logger.error({ err, service: shape.grpcService }, 'OTLP/gRPC export failed unexpectedly');
          callback({ code: grpc.status.INTERNAL, details: 'internal error' });
        },
      ).finally(() => {
        const release = (): void => inFlight.release(held);
        if (sendSettled) void sendSettled.then(release);
        else release();
      });
    };
  }

  for (const shape of SIGNALS) server.addService(exportMethod(shape), { Export: handler(shape) });

  let port = 0;
  const lifecycle = withLifecycle({
    async start() {
      port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(`${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.grpcPort}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
          err ? reject(err) : resolve(bound),
        ),
      );
      logger.info({ host: config.host, port }, 'OTLP/gRPC listening');
    },
    async stop() {
      const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      clearTimeout(timer);
    },
  });
  return {
    start: lifecycle.start,
    stop: lifecycle.stop,
    get port() {
      return port;
    },
  };
}
