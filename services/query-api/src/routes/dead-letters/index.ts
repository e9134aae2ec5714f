import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../../route-deps.js';
import { listDeadLettersRoute } from './list.js';

/** Routes under /dead-letters. */
export const deadLetterRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  // Only the dependencies: the options also hold this plugin's own prefix.
  const deps: RouteDeps = { store, limits };
  await app.register(listDeadLettersRoute, deps);
};
