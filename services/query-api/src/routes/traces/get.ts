import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { SpanAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import { scopeOf } from '../../access/scope.js';
import { ApiError, ApiErrors } from '../../errors.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { OtlpResourceSpans } from '../../schemas/otlp-traces.js';
import { TraceIdParam } from '../../schemas/trace-id.js';
import { otlpResourceSpans } from '../../traces/otlp-json.js';
import { readTraceViews } from '../../traces/trace-view.js';

const TraceResponse = Type.Object(
  {
    traceId: Type.String(),
    resourceSpans: Type.Array(OtlpResourceSpans, {
      description: `The trace's spans, and under them (parentSpanId) the slow syscalls of the same process inside their time range, marked ${SpanAttr.kernelDerived}=true`,
    }),
    warnings: Type.Array(Type.String(), { description: 'What was left out of an incomplete answer' }),
  },
  { additionalProperties: false },
);
export type TraceResponse = Static<typeof TraceResponse>;

/** GET /:traceId: one trace with its kernel activity, in OTLP JSON. */
export const getTraceRoute: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/:traceId',
    {
      config: { serviceScoped: true },
      schema: {
        description:
          "A trace's spans with the kernel activity (slow syscalls) of their processes as child spans. A key scoped to services reads only their spans; a trace with none of them is a 404, as one that does not exist",
        params: Type.Object({ traceId: TraceIdParam }, { additionalProperties: false }),
        response: { 200: TraceResponse, 400: ErrorResponse, 404: ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const traceId = request.params.traceId.toLowerCase();
      const [trace] = await readTraceViews(store.client, [traceId], scopeOf(request.principal));
      if (!trace) throw new ApiError(ApiErrors.traceNotFound, `no trace ${traceId}`);
      return { traceId, resourceSpans: otlpResourceSpans([trace]), warnings: trace.warnings };
    },
  );
};
