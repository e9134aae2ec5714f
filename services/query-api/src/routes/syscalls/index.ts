import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../../route-deps.js';
import { syscallHeatmapRoute } from './heatmap.js';
import { syscallSeriesRoute } from './series.js';
import { topSyscallsRoute } from './top.js';

/** Routes under /syscalls. */
export const syscallRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  // Only the dependencies: the options also hold this plugin's own prefix.
  const deps: RouteDeps = { store, limits };
  await app.register(topSyscallsRoute, deps);
  await app.register(syscallSeriesRoute, deps);
  await app.register(syscallHeatmapRoute, deps);
};
