import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { WAIT_CLASSES } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import { ErrorResponse } from '../../schemas/error-response.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { Window, windowSeconds } from '../../schemas/window.js';
import { TOP_SYSCALLS_DIMENSIONS, queryTopSyscalls } from './top-query.js';

const MAX_LIMIT = 1_000;
const MAX_NAME_LENGTH = 256;

const TopSyscallsQuery = Type.Object(
  {
    window: Window,
    by: StringEnum(TOP_SYSCALLS_DIMENSIONS, { default: 'service' }),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
    waitClass: Type.Optional(StringEnum(WAIT_CLASSES)),
    includeIdle: Type.Boolean({ default: false }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 10 }),
  },
  { additionalProperties: false },
);

const TopSyscallRow = Type.Object(
  {
    service: Type.Optional(Type.String()),
    host: Type.Optional(Type.String()),
    syscall: Type.String(),
    waitClass: Type.String(),
    calls: Type.Integer(),
    blockedSeconds: Type.Number(),
    p50Ms: Type.Number(),
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
    rows: Type.Array(TopSyscallRow),
  },
  { additionalProperties: false },
);
export type TopSyscallsResponse = Static<typeof TopSyscallsResponse>;

/** GET /top: the syscalls that blocked longest in the window, per service, host or syscall. */
export const topSyscallsRoute: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/top',
    {
      schema: {
        description: 'Top blocked syscalls by service, host or syscall; idle waits excluded unless asked for',
        querystring: TopSyscallsQuery,
        response: { 200: TopSyscallsResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { window, by, service, host, waitClass, includeIdle, limit } = request.query;
      const rows = await queryTopSyscalls(store.client, {
        windowSeconds: windowSeconds(window),
        by,
        service,
        host,
        waitClass,
        includeIdle,
        limit,
      });
      return { window, by, rows };
    },
  );
};
