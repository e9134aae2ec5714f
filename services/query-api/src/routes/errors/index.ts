import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../../route-deps.js';
import { topErrorsRoute } from './top.js';

/** Routes under /errors. */
export const errorRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  // Only the dependencies: the options also hold this plugin's own prefix.
  const deps: RouteDeps = { store, limits };
  await app.register(topErrorsRoute, deps);
};
