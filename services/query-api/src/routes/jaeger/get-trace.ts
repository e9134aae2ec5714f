import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Store } from '@stallscope/store';
import { scopeOf } from '../../access/scope.js';
import { ApiError, ApiErrors } from '../../errors.js';
import { JaegerErrorResponse, JaegerResponse, JaegerTrace } from '../../schemas/jaeger.js';
import { jaegerTrace } from '../../traces/jaeger-json.js';
import { readTraceViews } from '../../traces/trace-view.js';
import { structuredResponse } from './structured-response.js';
import { JaegerTraceIdParam, storedTraceId } from './trace-id.js';

/** GET /traces/:traceID: one trace, kernel children included, as Jaeger's getTrace answers. */
export const getJaegerTraceRoute: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/traces/:traceID',
    {
      config: { serviceScoped: true },
      schema: {
        description: 'One trace in Jaeger UI JSON, the slow syscalls under its spans tagged stallscope.kernel',
        params: Type.Object({ traceID: JaegerTraceIdParam }, { additionalProperties: false }),
        response: { 200: JaegerResponse(Type.Array(JaegerTrace)), 400: JaegerErrorResponse, 404: JaegerErrorResponse, '5xx': JaegerErrorResponse },
      },
    },
    async (request) => {
      const traces = await readTraceViews(store.client, [storedTraceId(request.params.traceID)], scopeOf(request.principal));
      // Jaeger's spanstore.ErrTraceNotFound message.
      if (traces.length === 0) throw new ApiError(ApiErrors.traceNotFound, 'trace not found');
      return structuredResponse(traces.map(jaegerTrace));
    },
  );
};
