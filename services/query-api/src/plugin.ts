import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { createErrorHandler } from './error-handler.js';
import { deadLetterRoutes } from './routes/dead-letters/index.js';
import { jaegerRoutes } from './routes/jaeger/index.js';
import { jaegerV3Routes } from './routes/jaeger-v3/index.js';
import { syscallRoutes } from './routes/syscalls/index.js';
import { traceRoutes } from './routes/traces/index.js';

export interface QueryApiPluginOptions {
  /** Started before the server takes requests. */
  store: Store;
  /** Where failed requests are logged; the request's own logger when absent. */
  logger?: Logger;
}

/**
 * The query API's routes, as one encapsulated fastify plugin: the server
 * module registers it (`app.register(queryApiPlugin, { store, logger })`) and
 * owns listening, auth, /healthz and /metrics. Query strings are validated
 * with fastify's default Ajv (type coercion and defaults on).
 */
export const queryApiPlugin: FastifyPluginAsyncTypebox<QueryApiPluginOptions> = async (app, options) => {
  const logger = options.logger?.child({ component: 'query-api' });
  app.setErrorHandler(createErrorHandler(logger));
  await app.register(syscallRoutes, { prefix: '/v1/syscalls', store: options.store });
  await app.register(deadLetterRoutes, { prefix: '/v1/dead-letters', store: options.store });
  await app.register(traceRoutes, { prefix: '/v1/traces', store: options.store });
  await app.register(jaegerRoutes, { prefix: '/api', store: options.store, logger });
  await app.register(jaegerV3Routes, { prefix: '/api/v3', store: options.store, logger });
};
