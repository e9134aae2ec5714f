import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Store } from '@stallscope/store';
import { topSyscallsRoute } from './top.js';

/** Routes under /syscalls. */
export const syscallRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  await app.register(topSyscallsRoute, { store });
};
