import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '@stallscope/store';
import { getTraceRoute } from './get.js';

/** Routes under /traces. */
export const traceRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  await app.register(getTraceRoute, { store });
};
