import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';

/**
 * A no-op until the launcher starts the OpenTelemetry SDK (self-tracing):
 * then each query API request is a span, and each SQL query it runs a child.
 */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

/** Longest SQL text kept on a span: the statement, never its bound values. */
const MAX_QUERY_TEXT_CHARS = 4_096;

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

/** Rows the server read for a query, from ClickHouse's X-ClickHouse-Summary header (the embedded engine sends none). */
function rowsRead(headers: Record<string, unknown>): number | undefined {
  const summary = headers['x-clickhouse-summary'];
  if (typeof summary !== 'string') return undefined;
  try {
    const rows = Number((JSON.parse(summary) as { read_rows?: string }).read_rows);
    return Number.isFinite(rows) ? rows : undefined;
  } catch {
    return undefined;
  }
}

type Client = Store['client'];
type QueryParams = Parameters<Client['query']>[0];

function tracedClient(client: Client): Client {
  const query = async (params: QueryParams) =>
    tracer.startActiveSpan(SelfSpan.queryApiSql, { kind: SpanKind.CLIENT }, async (span) => {
      // The statement only: values travel as bound parameters and may carry user data.
      if (span.isRecording()) {
        span.setAttributes({ [SelfSpanAttr.dbSystem]: 'clickhouse', [SelfSpanAttr.dbQueryText]: params.query.slice(0, MAX_QUERY_TEXT_CHARS) });
      }
      try {
        const result = await client.query(params);
        const read = span.isRecording() ? rowsRead(result.response_headers) : undefined;
        if (read !== undefined) span.setAttribute(SelfSpanAttr.dbRowsRead, read);
        return result;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return query;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The store with each client query a span; the client is looked up at each use (it exists once the store started). */
export function tracedStore(store: Store): Store {
  const traced = new WeakMap<Client, Client>();
  return {
    get kind() {
      return store.kind;
    },
    get client() {
      const client = store.client;
      let wrapped = traced.get(client);
      if (!wrapped) {
        wrapped = tracedClient(client);
        traced.set(client, wrapped);
      }
      return wrapped;
    },
    start: () => store.start(),
    stop: () => store.stop(),
  };
}
