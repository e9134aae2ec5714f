import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { createErrorHandler } from '../../error-handler.js';
import { getJaegerTraceRoute } from './get-trace.js';
import { searchJaegerTracesRoute } from './search.js';
import { jaegerServiceRoutes } from './services.js';
import { jaegerErrorBody } from './structured-response.js';

/**
 * Routes under /api: the HTTP JSON API of Jaeger's query service that Jaeger UI
 * and Grafana's Jaeger data source read (traces, search, services,
 * operations), errors in its structuredResponse shape. Jaeger itself dropped
 * /api/services, /api/operations and the search in August 2026
 * (jaegertracing/jaeger#9260) for api_v3; Grafana's data source still calls them.
 */
export const jaegerRoutes: FastifyPluginAsyncTypebox<{ store: Store; logger?: Logger | undefined }> = async (app, { store, logger }) => {
  app.setErrorHandler(createErrorHandler(logger, jaegerErrorBody));
  await app.register(getJaegerTraceRoute, { store });
  await app.register(searchJaegerTracesRoute, { store });
  await app.register(jaegerServiceRoutes, { store });
};
