import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../../route-deps.js';
import { oomKillsRoute } from './oom.js';

/** Routes under /memory. */
export const memoryRoutes: FastifyPluginAsyncTypebox<RouteDeps & { now: () => number }> = async (app, { store, limits, now }) => {
  // Only the dependencies: the options also hold this plugin's own prefix.
  await app.register(oomKillsRoute, { store, limits, now });
};
