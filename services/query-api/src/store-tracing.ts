import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SELF_TRACING_SCOPE, SelfSpan, SelfSpanAttr } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';

/**
 * A no-op until the launcher starts the OpenTelemetry SDK (self-tracing):
 * then each SQL query is a span, the child of whatever span is active where
 * it runs (a request's, an SLO evaluation round's).
 */
const tracer = trace.getTracer(SELF_TRACING_SCOPE);

/** Longest SQL text kept on a span: the statement, never its bound values. */
const MAX_QUERY_TEXT_CHARS = 4_096;

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

/** Stores tracedStore made: wrapping one again would make each query two nested spans. */
const tracedStores = new WeakSet<Store>();

/**
 * The store with each client query a span (the store itself when it is
 * already so); the client is looked up at each use (it exists once the store
 * started).
 */
export function tracedStore(store: Store): Store {
  if (tracedStores.has(store)) return store;
  const traced = new WeakMap<Client, Client>();
  const wrapper: Store = {
    get kind() {
      return store.kind;
    },
    get insertFileDir() {
      return store.insertFileDir;
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
    checkWritable: () => store.checkWritable(),
    diskSpace: () => store.diskSpace(),
    start: () => store.start(),
    stop: () => store.stop(),
  };
  tracedStores.add(wrapper);
  return wrapper;
}
