import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Store } from '@stallscope/store';
import { scopeOf } from '../../access/scope.js';
import { ApiError, ApiErrors } from '../../errors.js';
import { JaegerErrorResponse, JaegerResponse, JaegerTrace } from '../../schemas/jaeger.js';
import { GO_DURATION_PATTERN, goDurationNs } from '../../traces/go-duration.js';
import { jaegerTrace } from '../../traces/jaeger-json.js';
import { searchTraceIds } from '../../traces/trace-search.js';
import { readTraceViews } from '../../traces/trace-view.js';
import { structuredResponse } from './structured-response.js';
import { JaegerTraceIdParam, storedTraceId } from './trace-id.js';

const MAX_LIMIT = 1_000;
const MAX_NAME_LENGTH = 256;
/** Jaeger's defaultTraceQueryLookbackDuration: a search without start looks back two days. */
const DEFAULT_LOOKBACK_US = 2n * 86_400n * 1_000_000n;
const US_PER_LOOKBACK_UNIT: Record<string, bigint> = { s: 1_000_000n, m: 60_000_000n, h: 3_600_000_000n, d: 86_400_000_000n };

const UnixMicros = Type.String({ pattern: '^\\d{1,19}$', description: 'microseconds since the Unix epoch' });
const GoDuration = Type.String({ pattern: GO_DURATION_PATTERN, maxLength: 64, description: 'a Go duration such as 10ms or 1.5s' });

const MAX_TRACE_IDS = 100;

// Jaeger's parseTraceQueryParams (query_parser.go): service, operation, tag (key:value,
// repeated) and tags (a JSON object), start/end in µs, limit (default 100),
// minDuration/maxDuration as Go durations, traceID (repeated: those traces, no search),
// raw (skip the adjusters; this API adjusts nothing, so both answers are the same).
const SearchQuery = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
    operation: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH })),
    tag: Type.Optional(Type.Array(Type.String({ maxLength: 4_096 }), { maxItems: 64, description: 'key:value, repeated' })),
    tags: Type.Optional(Type.String({ maxLength: 4_096, description: 'JSON object of tag key -> value' })),
    traceID: Type.Optional(Type.Array(JaegerTraceIdParam, { maxItems: MAX_TRACE_IDS, description: 'trace ids to fetch instead of a search' })),
    raw: Type.Optional(Type.Boolean()),
    start: Type.Optional(UnixMicros),
    end: Type.Optional(UnixMicros),
    lookback: Type.Optional(Type.String({ pattern: '^(\\d{1,6}[smhd]|custom)$', description: "the UI's look-back (1h, 2d); used when start is absent" })),
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 }),
    minDuration: Type.Optional(GoDuration),
    maxDuration: Type.Optional(GoDuration),
  },
  { additionalProperties: false },
);

/** Jaeger's parseTags: every `tag` key:value (split at the first colon), then the `tags` JSON object over them. */
function parseTags(simpleTags: readonly string[] | undefined, tags: string | undefined): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const tag of simpleTags ?? []) {
    const colon = tag.indexOf(':');
    if (colon < 0) throw new ApiError(ApiErrors.invalidParameter, `malformed 'tag' parameter, expecting key:value, received: ${tag}`);
    merged[tag.slice(0, colon)] = tag.slice(colon + 1);
  }
  return { ...merged, ...parseJsonTags(tags) };
}

function parseJsonTags(tags: string | undefined): Record<string, string> {
  if (tags === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(tags);
  } catch (err) {
    throw new ApiError(ApiErrors.invalidParameter, `malformed 'tags' parameter, cannot unmarshal JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
    throw new ApiError(ApiErrors.invalidParameter, "malformed 'tags' parameter, expecting a JSON object of strings");
  }
  return parsed as Record<string, string>;
}

function lookbackUs(lookback: string | undefined): bigint {
  if (lookback === undefined || lookback === 'custom') return DEFAULT_LOOKBACK_US;
  return BigInt(lookback.slice(0, -1)) * (US_PER_LOOKBACK_UNIT[lookback.slice(-1)] ?? 0n);
}

/**
 * GET /traces: traces with a span matching the search, most recent first,
 * kernel children included; or, with traceID, those traces, an error entry
 * (Jaeger's "trace not found" with the id) for each one absent.
 */
export const searchJaegerTracesRoute: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/traces',
    {
      config: { serviceScoped: true },
      schema: {
        description: "Trace search as Jaeger's query service answers it",
        querystring: SearchQuery,
        response: { 200: JaegerResponse(Type.Array(JaegerTrace)), 400: JaegerErrorResponse, 403: JaegerErrorResponse, '5xx': JaegerErrorResponse },
      },
    },
    async (request) => {
      const query = request.query;
      const scope = scopeOf(request.principal);
      if (query.traceID !== undefined && query.traceID.length > 0) {
        const traceIds = query.traceID.map(storedTraceId);
        const traces = await readTraceViews(store.client, traceIds, scope);
        const found = new Set(traces.map((trace) => trace.traceId));
        const errors = traceIds.filter((id) => !found.has(id)).map((traceID) => ({ msg: 'trace not found', traceID }));
        return { ...structuredResponse(traces.map(jaegerTrace)), errors: errors.length > 0 ? errors : null };
      }
      // Jaeger's errServiceParameterRequired.
      if (query.service === undefined) throw new ApiError(ApiErrors.invalidParameter, "parameter 'service' is required");
      const service = query.service;
      const endUs = query.end !== undefined ? BigInt(query.end) : BigInt(Date.now()) * 1_000n;
      const startUs = query.start !== undefined ? BigInt(query.start) : endUs - lookbackUs(query.lookback);
      if (startUs > endUs) throw new ApiError(ApiErrors.invalidParameter, "'start' must not be after 'end'");
      const durationMinNs = query.minDuration !== undefined ? goDurationNs(query.minDuration) : undefined;
      const durationMaxNs = query.maxDuration !== undefined ? goDurationNs(query.maxDuration) : undefined;
      if (durationMinNs !== undefined && durationMaxNs !== undefined && durationMaxNs < durationMinNs) {
        // Jaeger's errMaxDurationGreaterThanMin.
        throw new ApiError(ApiErrors.invalidParameter, "'maxDuration' should be greater than 'minDuration'");
      }
      const traceIds = await searchTraceIds(
        store.client,
        {
          serviceName: service,
          operationName: query.operation,
          attributes: parseTags(query.tag, query.tags),
          startMinUs: startUs,
          startMaxUs: endUs,
          durationMinNs,
          durationMaxNs,
          limit: query.limit,
        },
        scope,
      );
      return structuredResponse((await readTraceViews(store.client, traceIds, scope)).map(jaegerTrace));
    },
  );
};
