import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { scopeOf } from '../../access/scope.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { RollupName } from '../../schemas/rollup-name.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { Window, windowSeconds } from '../../schemas/window.js';
import { syscallFilterProperties } from './filters.js';
import { TOP_SYSCALLS_DIMENSIONS, queryTopSyscalls } from './top-query.js';

const MAX_LIMIT = 1_000;

const TopSyscallsQuery = Type.Object(
  {
    window: Window,
    by: StringEnum(TOP_SYSCALLS_DIMENSIONS, { default: 'service' }),
    ...syscallFilterProperties,
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 10 }),
  },
  { additionalProperties: false },
);

const TopSyscallRow = Type.Object(
  {
    service: Type.Optional(Type.String()),
    host: Type.Optional(Type.String()),
    container: Type.Optional(Type.String()),
    syscall: Type.Optional(Type.String()),
    waitClass: Type.String(),
    calls: Type.Integer(),
    blockedSeconds: Type.Number(),
    p50Ms: Type.Number(),
    p90Ms: Type.Number(),
    p99Ms: Type.Number(),
    maxMs: Type.Number(),
    hosts: Type.Integer(),
  },
  { additionalProperties: false },
);

const TopSyscallsResponse = Type.Object(
  {
    window: Type.String(),
    by: StringEnum(TOP_SYSCALLS_DIMENSIONS),
    rollup: RollupName,
    rows: Type.Array(TopSyscallRow),
  },
  { additionalProperties: false },
);
export type TopSyscallsResponse = Static<typeof TopSyscallsResponse>;

const DESCRIPTION = `Top blocked syscalls by service, host, container, syscall or wait class; idle waits excluded unless asked for.
Quantiles come from the scale-0 histogram buckets summed across every host and minute of the group (exact merge),
interpolated log-linearly inside the bucket that holds the rank (2^(i+f) in (2^i, 2^(i+1)] ns) and capped by the max.
Windows up to 6h read the per-minute rollup; longer ones the per-hour rollup, starting at the hour that holds the window's start.`;

/** GET /top: the syscalls that blocked longest in the window, per service, host, container, syscall or wait class. */
export const topSyscallsRoute: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  app.get(
    '/top',
    {
      config: { serviceScoped: true },
      schema: {
        description: DESCRIPTION,
        querystring: TopSyscallsQuery,
        response: { 200: TopSyscallsResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { window, by, limit, ...filters } = request.query;
      const { rollup, rows } = await queryTopSyscalls(
        store.client,
        { ...filters, windowSeconds: windowSeconds(window), by, limit },
        scopeOf(request.principal),
        limits,
      );
      return { window, by, rollup: rollup.name, rows };
    },
  );
};
