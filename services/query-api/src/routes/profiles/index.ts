import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../../route-deps.js';
import { getProfileRoute } from './get-profile.js';

/** Routes under /profiles. */
export const profileRoutes: FastifyPluginAsyncTypebox<RouteDeps & { now: () => number }> = async (app, { store, limits, now }) => {
  await app.register(getProfileRoute, { store, limits, now });
};
