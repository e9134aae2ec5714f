import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { assertServiceInScope, scopeOf } from '../../access/scope.js';
import { renderFolded } from '../../profiles/folded.js';
import { renderPprof } from '../../profiles/pprof.js';
import { PROFILE_TYPES, queryProfileStacks } from '../../profiles/profile-stacks-query.js';
import { renderSpeedscope } from '../../profiles/speedscope.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { TimePoint, timeBoundsOf } from '../../schemas/time-bounds.js';

const MAX_NAME_LENGTH = 256;
export const PROFILE_FORMATS = ['folded', 'pprof', 'speedscope'] as const;

const ProfileQuery = Type.Object(
  {
    service: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
    from: Type.Optional(TimePoint),
    to: Type.Optional(TimePoint),
    window: Type.Optional(Type.String({ pattern: '^\\d+(m|h|d)$', maxLength: 16, description: 'look-back window ending now (default 15m); not with from/to' })),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
    format: StringEnum(PROFILE_FORMATS, { default: 'folded' }),
  },
  { additionalProperties: false },
);

const SpeedscopeResponse = Type.Object({
  $schema: Type.String(),
  shared: Type.Object({ frames: Type.Array(Type.Object({ name: Type.String() })) }),
  profiles: Type.Array(
    Type.Object({
      type: Type.Literal('sampled'),
      name: Type.String(),
      unit: Type.Literal('nanoseconds'),
      startValue: Type.Number(),
      endValue: Type.Number(),
      samples: Type.Array(Type.Array(Type.Integer())),
      weights: Type.Array(Type.Number()),
    }),
  ),
  name: Type.String(),
  activeProfileIndex: Type.Integer(),
  exporter: Type.String(),
});

const PprofBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

const DESCRIPTION = `A service's CPU, off-CPU or goroutine-wait stacks over a time range, summed over its hosts (or one host).
goroutine-wait (Go services, with agent.goRuntime.waits on): where goroutines parked, each stack under a root frame "[wait reason]".
format=folded (default): text/plain, one "root;...;leaf value" line per stack, heaviest first; the value is samples (cpu) or nanoseconds off CPU (offcpu) or parked (goroutine-wait).
format=pprof: a gzipped profile.proto for go tool pprof; sample types samples/count and cpu/nanoseconds (cpu), offcpu/nanoseconds (offcpu), wait/nanoseconds (goroutine-wait).
format=speedscope: a speedscope file with one sampled profile weighted in nanoseconds.
Kernel frames are marked "[k] ". The range is from/to (unix ms or ISO 8601; to defaults to now) or window (default 15m).`;

/** GET /:type: the stacks of one profile type of a service, as folded text, pprof or speedscope. */
export const getProfileRoute: FastifyPluginAsyncTypebox<RouteDeps & { now: () => number }> = async (app, { store, limits, now }) => {
  app.get(
    '/:type',
    {
      config: { serviceScoped: true },
      schema: {
        description: DESCRIPTION,
        params: Type.Object({ type: StringEnum(PROFILE_TYPES) }, { additionalProperties: false }),
        querystring: ProfileQuery,
        // A Buffer (pprof) is sent as it is: fastify serializes only strings and objects.
        response: { 200: Type.Union([Type.String(), SpeedscopeResponse, PprofBody]), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const { type } = request.params;
      const { service, host, format } = request.query;
      assertServiceInScope(scopeOf(request.principal), service);
      const { fromMs, toMs } = timeBoundsOf(request.query, now());
      const stacks = await queryProfileStacks(store.client, type, { service, host, fromMs, toMs }, limits);
      if (format === 'pprof') {
        return reply
          .type('application/octet-stream')
          .header('content-disposition', `attachment; filename="${type}.pb.gz"`)
          .send(renderPprof(stacks, { type, fromMs, toMs }));
      }
      if (format === 'speedscope') return renderSpeedscope(stacks, { type, service });
      return reply
        .type('text/plain; charset=utf-8')
        .serializer((text: string) => text)
        .send(renderFolded(stacks, type === 'cpu' ? 'samples' : 'nanoseconds'));
    },
  );
};
