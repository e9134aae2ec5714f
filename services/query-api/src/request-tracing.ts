import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SELF_TRACING_SCOPE } from '@stallscope/schemas';

/**
 * A no-op until the launcher starts the OpenTelemetry SDK (self-tracing):
 * then each query API request is a span; the SQL it runs are its children
 * (store-tracing.ts).
 */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

const requestSpans = new WeakMap<FastifyRequest, Span>();

/** One SERVER span per request of these routes, named by method and route; handlers run inside it. */
export function traceRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER });
    requestSpans.set(request, span);
    // What runs after this hook (the handler and its queries) sees the span as its parent.
    context.with(trace.setSpan(context.active(), span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = requestSpans.get(request);
    if (!span) return;
    if (span.isRecording()) {
      const route = request.routeOptions.url ?? 'unknown';
      span.updateName(`${request.method} ${route}`);
      span.setAttributes({ 'http.request.method': request.method, 'http.route': route, 'http.response.status_code': reply.statusCode });
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  });
}
