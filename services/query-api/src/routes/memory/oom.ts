import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { assertServiceInScope, scopeOf } from '../../access/scope.js';
import { queryOomKills } from '../../memory/oom-kills-query.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { Window, windowSeconds } from '../../schemas/window.js';

const MAX_NAME_LENGTH = 256;
const MAX_LIMIT = 100;

const OomQuery = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
    window: Window,
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 20 }),
  },
  { additionalProperties: false },
);

const FlightRecorderSample = Type.Object(
  {
    time: Type.String({ format: 'date-time' }),
    sampleMs: Type.Number({ description: 'a kernel slot\'s length; 0 for an RSS reading from /proc' }),
    faults: Type.Number(),
    mmapBytes: Type.Number(),
    munmapBytes: Type.Number(),
    brkBytes: Type.Number(),
    rssBytes: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const OomKill = Type.Object(
  {
    time: Type.String({ format: 'date-time' }),
    service: Type.String(),
    host: Type.String(),
    pid: Type.Integer(),
    command: Type.String(),
    cgroup: Type.String(),
    anonRssBytes: Type.Number(),
    fileRssBytes: Type.Number(),
    shmemRssBytes: Type.Number(),
    totalVmBytes: Type.Number(),
    oomScoreAdj: Type.Integer(),
    triggerPid: Type.Integer(),
    flightRecorder: Type.Array(FlightRecorderSample),
  },
  { additionalProperties: false },
);

const OomResponse = Type.Object({ window: Type.String(), kills: Type.Array(OomKill) }, { additionalProperties: false });
export type OomResponse = Static<typeof OomResponse>;

/** GET /oom: OOM kills in the window, newest first, each with the victim's flight recorder. */
export const oomKillsRoute: FastifyPluginAsyncTypebox<RouteDeps & { now: () => number }> = async (app, { store, limits, now }) => {
  app.get(
    '/oom',
    {
      config: { serviceScoped: true },
      schema: {
        description: `OOM kills (oom:mark_victim) in the window, newest first: the victim's service, pid, command, memory cgroup and RSS at the kill,
and its flight recorder: the seconds before the kill in 250 ms slots (user page faults, bytes mmap'd and munmap'd, heap growth) with the RSS readings among them`,
        querystring: OomQuery,
        response: { 200: OomResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { service, window, limit } = request.query;
      const scope = scopeOf(request.principal);
      assertServiceInScope(scope, service);
      const toSeconds = Math.ceil(now() / 1000);
      const range = { fromSeconds: toSeconds - windowSeconds(window), toSeconds };
      return { window, kills: await queryOomKills(store.client, { service, range, limit }, scope, limits) };
    },
  );
};
