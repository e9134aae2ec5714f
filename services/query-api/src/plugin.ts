import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { queryApiConfigDefaults, type QueryApiConfig } from './config.js';
import { createErrorHandler } from './error-handler.js';
import { ApiError, ApiErrors } from './errors.js';
import { deadLetterRoutes } from './routes/dead-letters/index.js';
import { memoryRoutes } from './routes/memory/index.js';
import { errorRoutes } from './routes/errors/index.js';
import { jaegerRoutes } from './routes/jaeger/index.js';
import { jaegerV3Routes } from './routes/jaeger-v3/index.js';
import { syscallRoutes } from './routes/syscalls/index.js';
import { traceRoutes } from './routes/traces/index.js';
import { diagnoseRoutes } from './routes/diagnose/index.js';
import { profileRoutes } from './routes/profiles/index.js';
import { sloReportsRoutes, sloRoutes } from './routes/slo/index.js';
import { createSloCatalog, type SloCatalog } from './slo/slo-catalog.js';
import { traceRequests } from './request-tracing.js';
import { tracedStore } from './store-tracing.js';
import { uiPlugin } from './web-ui/ui-plugin.js';
import { DOCS_PREFIX, UI_PREFIX } from './public-paths.js';

export interface QueryApiPluginOptions {
  /** Started before the server takes requests. */
  store: Store;
  /** Where failed requests are logged; the request's own logger when absent. */
  logger?: Logger;
  /** Bounds on every query; the defaults where absent. */
  limits?: Partial<QueryApiConfig>;
  /** SLOs from files and the store; one without files when absent. */
  sloCatalog?: SloCatalog;
  /** Unix ms that SLO reports and diagnoses end at; the wall clock when absent (tests pin it). */
  now?: () => number;
  /** The web UI bundle's folder; the package's own build output when absent. */
  uiDirectory?: string;
}

/**
 * The query API's routes, as one encapsulated fastify plugin: the server
 * module registers it (`app.register(queryApiPlugin, { store, logger })`) and
 * owns listening, authentication (apiKeyAuth), /healthz and /metrics. Query
 * strings are validated with fastify's default Ajv (type coercion and
 * defaults on); the OpenAPI document is generated from the same schemas.
 */
export const queryApiPlugin: FastifyPluginAsyncTypebox<QueryApiPluginOptions> = async (app, options) => {
  const logger = options.logger?.child({ component: 'query-api' });
  app.setErrorHandler(createErrorHandler(logger));
  traceRequests(app);
  const store = tracedStore(options.store);
  const deps = { store, limits: { ...queryApiConfigDefaults, ...options.limits } };
  // Ajv coerces "1e309" to Infinity and lets it through integer, minimum and
  // maximum alike; no number of ours is infinite.
  app.addHook('preHandler', async (request) => {
    for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        throw new ApiError(ApiErrors.invalidParameter, `querystring/${name} must be a finite number`);
      }
    }
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'stallscope query API', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  await app.register(syscallRoutes, { prefix: '/v1/syscalls', ...deps });
  await app.register(errorRoutes, { prefix: '/v1/errors', ...deps });
  await app.register(deadLetterRoutes, { prefix: '/v1/dead-letters', ...deps });
  await app.register(traceRoutes, { prefix: '/v1/traces', store });
  await app.register(jaegerRoutes, { prefix: '/api', store, logger });
  await app.register(jaegerV3Routes, { prefix: '/api/v3', store, logger });
  const catalog = options.sloCatalog ?? createSloCatalog({ files: [] }, { store, logger: options.logger ?? app.log });
  await app.register(sloRoutes, { prefix: '/v1/slos', ...deps, catalog, now: options.now ?? Date.now });
  await app.register(sloReportsRoutes, { prefix: '/v1/slo-reports', ...deps, catalog, now: options.now ?? Date.now });
  await app.register(diagnoseRoutes, { prefix: '/v1/diagnose', ...deps, now: options.now ?? Date.now });
  await app.register(profileRoutes, { prefix: '/v1/profiles', ...deps, now: options.now ?? Date.now });
  await app.register(memoryRoutes, { prefix: '/v1/memory', ...deps, now: options.now ?? Date.now });
  await app.register(uiPlugin, { prefix: UI_PREFIX, directory: options.uiDirectory, jaegerUiUrl: deps.limits.jaegerUiUrl });
};
