import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { assertServiceInScope, scopeOf } from '../../access/scope.js';
import { diagnoseService } from '../../diagnose/diagnosis.js';
import { renderDiagnosisMarkdown } from '../../diagnose/render-markdown.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { OomKill } from '../memory/oom.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { Window, windowSeconds } from '../../schemas/window.js';

const MAX_NAME_LENGTH = 256;

const DiagnosisResponse = Type.Object({
  service: Type.String(),
  window: Type.String(),
  from: Type.String(),
  to: Type.String(),
  slowestCalls: Type.Array(
    Type.Object({
      time: Type.String(),
      durationMs: Type.Number(),
      syscall: Type.String(),
      waitClass: Type.String(),
      waitClassRule: Type.String(),
      fdTarget: Type.String(),
      filePath: Type.String(),
      peer: Type.String(),
      errno: Type.String(),
      threadId: Type.String(),
      host: Type.String(),
      pid: Type.String(),
      traceId: Type.String(),
    }),
  ),
  waitsByClass: Type.Array(
    Type.Object({
      waitClass: Type.String(),
      blockedSeconds: Type.Number(),
      topSyscalls: Type.Array(Type.Object({ syscall: Type.String(), blockedSeconds: Type.Number() })),
    }),
  ),
  idleBlockedSeconds: Type.Number(),
  offCpuStacks: Type.Array(Type.Object({ stack: Type.String(), threadState: Type.String(), offCpuSeconds: Type.Number() })),
  errorStorms: Type.Array(
    Type.Object({ syscall: Type.String(), errno: Type.String(), errorType: Type.String(), errors: Type.Number(), errorsPerSecond: Type.Number() }),
  ),
  goRuntime: Type.Object({
    gcPauses: Type.Number(),
    gcPauseSeconds: Type.Number(),
    gcPauseMaxMs: Type.Number(),
    gcCycles: Type.Number(),
    goroutinesCreated: Type.Number(),
    goroutinesCreatedPerSecond: Type.Number(),
    goroutineCreationAlarm: Type.Boolean(),
    liveGoroutines: Type.Number(),
    topWaitReasons: Type.Array(Type.Object({ waitReason: Type.String(), blockedSeconds: Type.Number(), parks: Type.Number() })),
    parkStacks: Type.Array(Type.Object({ stack: Type.String(), waitReason: Type.String(), parkedSeconds: Type.Number() })),
  }),
  memory: Type.Object({
    majorFaults: Type.Number(),
    minorFaults: Type.Number(),
    peakRssBytes: Type.Number(),
    oomKills: Type.Array(OomKill),
  }),
});
export type DiagnosisResponse = Static<typeof DiagnosisResponse>;

/** GET /diagnose/:service: one service's slowest calls, waits, off-CPU stacks and error storms over the last window. */
export const diagnoseRoutes: FastifyPluginAsyncTypebox<RouteDeps & { now: () => number }> = async (app, { store, limits, now }) => {
  app.get(
    '/:service',
    {
      config: { serviceScoped: true },
      schema: {
        description: "One service's slowest syscalls with context, waits by class, off-CPU stacks, error storms, page faults and OOM kills with their flight recorders and, for Go, GC pauses, goroutine creation and top goroutine wait reasons; a 403 for a service outside the key's scope",
        params: Type.Object({ service: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }) }, { additionalProperties: false }),
        querystring: Type.Object({ window: Window, format: StringEnum(['json', 'markdown'] as const, { default: 'json' }) }, { additionalProperties: false }),
        response: { 200: Type.Union([DiagnosisResponse, Type.String()]), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const { window, format } = request.query;
      assertServiceInScope(scopeOf(request.principal), request.params.service);
      const toSeconds = Math.floor(now() / 1000);
      const diagnosis = await diagnoseService(store.client, request.params.service, window, {
        fromSeconds: toSeconds - windowSeconds(window),
        toSeconds,
      }, limits);
      if (format === 'markdown') return reply.type('text/markdown; charset=utf-8').serializer((text: string) => text).send(renderDiagnosisMarkdown(diagnosis));
      return diagnosis;
    },
  );
};
