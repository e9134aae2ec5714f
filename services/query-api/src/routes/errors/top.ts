import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { scopeOf } from '../../access/scope.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { Window, windowSeconds } from '../../schemas/window.js';
import { TOP_ERRORS_MODES, queryTopErrors } from './top-query.js';

const MAX_LIMIT = 1_000;
const MAX_NAME_LENGTH = 256;
const Name = () => Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }));

const TopErrorsQuery = Type.Object(
  {
    window: Window,
    by: StringEnum(TOP_ERRORS_MODES, { default: 'errno' }),
    service: Name(),
    host: Name(),
    syscall: Name(),
    /** An errno name (EAGAIN), or with by=errnoClass an error.type (EINTR, EAGAIN, ETIMEDOUT, other). */
    errno: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 10 }),
  },
  { additionalProperties: false },
);

const TopErrorsResponse = Type.Object(
  {
    window: Type.String(),
    by: StringEnum(TOP_ERRORS_MODES),
    rows: Type.Array(
      Type.Object(
        { service: Type.String(), syscall: Type.String(), errno: Type.String(), errors: Type.Integer(), hosts: Type.Integer() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TopErrorsResponse = Static<typeof TopErrorsResponse>;

/** GET /top: the (service, syscall, errno) groups that failed most in the window. */
export const topErrorsRoute: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  app.get(
    '/top',
    {
      config: { serviceScoped: true },
      schema: {
        description: `Failed syscalls per service, syscall and errno (by=errno) or errno class (by=errnoClass: OTel error.type), most first,
from the syscall.errors sums: a retry storm of EAGAIN or EINTR shows here though each call is fast. Read from the raw sums.`,
        querystring: TopErrorsQuery,
        response: { 200: TopErrorsResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { window, by, limit, ...filters } = request.query;
      const rows = await queryTopErrors(store.client, { ...filters, windowSeconds: windowSeconds(window), by, limit }, scopeOf(request.principal), limits);
      return { window, by, rows };
    },
  );
};
