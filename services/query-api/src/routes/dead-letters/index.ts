import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '@stallscope/store';
import { listDeadLettersRoute } from './list.js';

/** Routes under /dead-letters. */
export const deadLetterRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  await app.register(listDeadLettersRoute, { store });
};
