import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { withLifecycle, type Component, type Logger, type Registry } from '@stallscope/common';
import { isAuthorized } from './auth-token.js';
import type { ServerConfig } from './server-config.js';

export interface Server extends Component {
  /** Modules register their routes here before start; start listens. */
  readonly app: FastifyInstance;
  /** The URL it listens on, once started. */
  readonly url: string;
}

const PUBLIC_PATHS = new Set(['/healthz']);

/**
 * The process's one HTTP listener (as in Loki/Tempo, every module shares it):
 * /healthz (open), /metrics and every module's routes (bearer token).
 */
export function createServer(
  config: ServerConfig,
  deps: { logger: Logger; metrics: Registry; authToken: string },
): Server {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'server' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (PUBLIC_PATHS.has(request.routeOptions.url ?? '')) return;
    if (!isAuthorized(request.headers.authorization, deps.authToken)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'unauthorized', message: 'missing or wrong bearer token (Authorization: Bearer <token>)' } });
    }
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  let url = '';
  const lifecycle = withLifecycle({
    async start() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      url = `http://${host}:${port}`;
    },
    async stop() {
      await app.close();
    },
  });
  return {
    app,
    get url() {
      return url;
    },
    start: lifecycle.start,
    stop: lifecycle.stop,
  };
}
