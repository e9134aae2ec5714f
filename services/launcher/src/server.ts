import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { withLifecycle, type Component, type Logger, type Registry } from '@stallscope/common';
import { DOCS_PREFIX, UI_PUBLIC_PATHS, adminKey, apiKeyAuth, apiKeysFromFile, type ApiKeys } from '@stallscope/query-api/server-access';
import type { ServerConfig } from './server-config.js';

export interface Server extends Component {
  /** Modules register their routes here before start; start listens. */
  readonly app: FastifyInstance;
  /** The URL it listens on, once started. */
  readonly url: string;
}

// The web UI's static files hold no data; its API calls carry the key.
const PUBLIC_PATHS = new Set(['/healthz', ...UI_PUBLIC_PATHS]);

/** The admin token (every service, every route) and the file's scoped keys. */
function apiKeysOf(config: ServerConfig, authToken: string): ApiKeys {
  const keys = new Map(config.apiKeysFile === '' ? [] : apiKeysFromFile(config.apiKeysFile, config.rateLimitPerMinute));
  const [hash, admin] = adminKey(authToken, config.rateLimitPerMinute);
  keys.set(hash, admin);
  return keys;
}

/**
 * The process's one HTTP listener (as in Loki/Tempo, every module shares it):
 * /healthz and the web UI's files (open), /metrics and every module's routes (an API key: the admin
 * bearer token, or a key from server.apiKeysFile scoped to services).
 */
export function createServer(
  config: ServerConfig,
  deps: { logger: Logger; metrics: Registry; authToken: string },
): Server {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'server' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  // Before every route (modules register theirs later): its hooks guard them all.
  void app.register(apiKeyAuth, { keys: apiKeysOf(config, deps.authToken), publicPaths: PUBLIC_PATHS, anyKeyPathPrefixes: [DOCS_PREFIX] });
  void app.register(async (routes) => {
    routes.get('/healthz', async () => ({ status: 'ok' }));
    routes.get('/metrics', async (_request, reply) => {
      reply.header('content-type', deps.metrics.contentType);
      return deps.metrics.metrics();
    });
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
