import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { withLifecycle } from '@stallscope/common';
import { bearerAuthorized } from './bearer-auth.js';
import type { CollectorConfig } from './config.js';
import { ExportRefusal, type RefusalReason } from './collector-metrics.js';
import type { BodyFormat } from './export-pipeline.js';
import type { Receiver, ReceiverDeps } from './receiver.js';
import { exportResponse, GrpcCode, statusBody, type ResponseBody } from './responses.js';
import { SIGNALS, type SignalShape } from './signals.js';

const gunzipBounded = promisify(gunzip);

const REQUEST_TIMEOUT_MS = 30_000;

const CONTENT_TYPES: Record<BodyFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** How each refusal is answered: HTTP status and the google.rpc.Status code of the body. */
const REFUSAL_STATUS: Record<RefusalReason, { status: number; code: number }> = {
  unauthenticated: { status: 401, code: GrpcCode.unauthenticated },
  unsupported_media_type: { status: 415, code: GrpcCode.invalidArgument },
  too_large: { status: 413, code: GrpcCode.resourceExhausted },
  malformed: { status: 400, code: GrpcCode.invalidArgument },
  in_flight_limit: { status: 503, code: GrpcCode.unavailable },
  transport_error: { status: 503, code: GrpcCode.unavailable },
};

function formatOf(contentType: string | undefined): BodyFormat | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === CONTENT_TYPES.protobuf) return 'protobuf';
  if (mediaType === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/**
 * OTLP/HTTP: POST /v1/traces, /v1/metrics, /v1/logs with protobuf or JSON
 * bodies, gzip or not. Answers follow the OTLP spec: 200 with the export
 * response (partial_success when items were left out), 4xx with a
 * google.rpc.Status naming the problem, 503 + Retry-After when the request may
 * succeed later (in-flight bound reached, transport unreachable).
 */
export function createHttpReceiver(config: CollectorConfig, deps: ReceiverDeps): Receiver {
  const { pipeline, inFlight, metrics } = deps;
  const logger = deps.logger.child({ receiver: 'otlp-http' });
  const shapesByPath = new Map(SIGNALS.map((shape) => [shape.httpPath, shape]));

  function reply(response: ServerResponse, status: number, format: BodyFormat, body: ResponseBody, headers: Record<string, string> = {}): void {
    const bytes = format === 'protobuf' ? body.protobuf : Buffer.from(body.json);
    response.writeHead(status, { 'content-type': CONTENT_TYPES[format], 'content-length': bytes.length, ...headers });
    response.end(bytes);
  }

  /** Reads the body, holding its bytes in the in-flight budget as they arrive. */
  async function readBody(request: IncomingMessage, hold: (bytes: number) => void): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > config.maxRequestBytes) {
        throw new ExportRefusal('too_large', `request body exceeds ${config.maxRequestBytes} bytes`);
      }
      hold(chunk.length);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, length);
  }

  async function decompress(body: Buffer, encoding: string): Promise<Buffer> {
    if (encoding === 'identity') return body;
    try {
      // Bounded: a small gzip bomb stops at maxRequestBytes of output.
      return await gunzipBounded(body, { maxOutputLength: config.maxRequestBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ExportRefusal('too_large', `decompressed request body exceeds ${config.maxRequestBytes} bytes`);
      }
      throw new ExportRefusal('malformed', `body is not valid gzip: ${(err as Error).message}`);
    }
  }

  async function handleExport(shape: SignalShape, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const format = formatOf(request.headers['content-type']);
    let heldBytes = 0;
    let sendSettled: Promise<unknown> | undefined;
    const hold = (bytes: number): void => {
      if (!inFlight.tryReserve(bytes)) {
        throw new ExportRefusal('in_flight_limit', `collector is at its in-flight bound (${inFlight.maxBytes} bytes); retry later`);
      }
      heldBytes += bytes;
    };
    try {
      if (!bearerAuthorized(request.headers.authorization, config.authToken)) {
        throw new ExportRefusal('unauthenticated', 'missing or wrong bearer token (Authorization: Bearer <token>)');
      }
      if (!format) {
        throw new ExportRefusal(
          'unsupported_media_type',
          `content-type must be ${CONTENT_TYPES.protobuf} or ${CONTENT_TYPES.json}, got ${request.headers['content-type'] ?? 'none'}`,
        );
      }
      const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') {
        throw new ExportRefusal('unsupported_media_type', `content-encoding must be gzip or absent, got ${encoding}`);
      }
      if (Number(request.headers['content-length'] ?? 0) > config.maxRequestBytes) {
        throw new ExportRefusal('too_large', `request body exceeds ${config.maxRequestBytes} bytes`);
      }
      const received = await readBody(request, hold);
      const body = await decompress(received, encoding);
      if (body !== received) hold(body.length);
      const plan = await pipeline.export(shape, format, body, (settled) => (sendSettled = settled));
      reply(response, 200, format, exportResponse(shape, plan));
    } catch (err) {
      if (!(err instanceof ExportRefusal)) throw err;
      metrics.refused.inc({ signal: shape.name, reason: err.reason });
      const { status, code } = REFUSAL_STATUS[err.reason];
      const headers: Record<string, string> = {};
      if (status === 503) headers['retry-after'] = String(config.retryAfterSeconds);
      if (status === 401) headers['www-authenticate'] = 'Bearer';
      // The rest of an unread body is not worth reading; the connection goes.
      if (!request.complete) headers.connection = 'close';
      reply(response, status, format ?? 'json', statusBody(code, err.message), headers);
    } finally {
      const release = (): void => inFlight.release(heldBytes);
      if (sendSettled) void sendSettled.then(release);
      else release();
    }
  }

  const server = createServer((request, response) => {
    const shape = shapesByPath.get(new URL(request.url ?? '/', 'http://collector').pathname);
    if (!shape) {
      reply(response, 404, 'json', statusBody(GrpcCode.invalidArgument, `no OTLP route ${request.url}; routes are ${[...shapesByPath.keys()].join(', ')}`));
      return;
    }
    if (request.method !== 'POST') {
      reply(response, 405, 'json', statusBody(GrpcCode.invalidArgument, `${shape.httpPath} takes POST`), { allow: 'POST' });
      return;
    }
    handleExport(shape, request, response).catch((err: unknown) => {
      logger.error({ err, path: shape.httpPath }, 'OTLP/HTTP export failed unexpectedly');
      if (!response.headersSent) reply(response, 500, 'json', statusBody(GrpcCode.unavailable, 'internal error'));
      else response.destroy();
    });
  });

  // A client that stops sending mid-body holds its bytes and the stop; not past this.
  server.requestTimeout = REQUEST_TIMEOUT_MS;

  let port = 0;
  const lifecycle = withLifecycle({
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.httpPort, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : config.httpPort;
      logger.info({ host: config.host, port }, 'OTLP/HTTP listening');
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections would hold close() open; requests in flight finish.
      server.closeIdleConnections();
      await closed;
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
