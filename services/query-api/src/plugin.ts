import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { createErrorHandler } from './error-handler.js';
import { deadLetterRoutes } from './routes/dead-letters/index.js';
import { diagnoseRoutes } from './routes/diagnose/index.js';
import { sloRoutes } from './routes/slo/index.js';
import { syscallRoutes } from './routes/syscalls/index.js';
import { createSloCatalog, type SloCatalog } from './slo/slo-catalog.js';

export interface QueryApiPluginOptions {
  /** Started before the server takes requests. */
  store: Store;
  /** Where failed requests are logged; the request's own logger when absent. */
  logger?: Logger;
  /** SLOs from files and the store; one without files when absent. */
  sloCatalog?: SloCatalog;
  /** Unix ms that SLO reports and diagnoses end at; the wall clock when absent (tests pin it). */
  now?: () => number;
}

/**
 * The query API's routes, as one encapsulated fastify plugin: the server
 * module registers it (`app.register(queryApiPlugin, { store, logger })`) and
 * owns listening, auth, /healthz and /metrics. Query strings are validated
 * with fastify's default Ajv (type coercion and defaults on).
 */
export const queryApiPlugin: FastifyPluginAsyncTypebox<QueryApiPluginOptions> = async (app, options) => {
  app.setErrorHandler(createErrorHandler(options.logger?.child({ component: 'query-api' })));
  await app.register(syscallRoutes, { prefix: '/v1/syscalls', store: options.store });
  await app.register(deadLetterRoutes, { prefix: '/v1/dead-letters', store: options.store });
  const catalog = options.sloCatalog ?? createSloCatalog({ files: [] }, { store: options.store, logger: options.logger ?? app.log });
  await app.register(sloRoutes, { prefix: '/v1/slos', store: options.store, catalog, now: options.now ?? Date.now });
  await app.register(diagnoseRoutes, { prefix: '/v1/diagnose', store: options.store, now: options.now ?? Date.now });
};
