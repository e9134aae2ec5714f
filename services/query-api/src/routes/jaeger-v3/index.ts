import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Logger } from '@stallscope/common';
import type { Store } from '@stallscope/store';
import { createErrorHandler } from '../../error-handler.js';
import { scopeOf } from '../../access/scope.js';
import { ApiError, ApiErrors } from '../../errors.js';
import { OtlpResourceSpans } from '../../schemas/otlp-traces.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { GO_DURATION_PATTERN, goDurationNs } from '../../traces/go-duration.js';
import { otlpResourceSpans } from '../../traces/otlp-json.js';
import { JAEGER_SPAN_KINDS, STORED_SPAN_KINDS } from '../../traces/span-kinds.js';
import { readOperations, readServiceNames, searchTraceIds } from '../../traces/trace-search.js';
import { readTraceViews, type TraceView } from '../../traces/trace-view.js';
import { JaegerTraceIdParam, storedTraceId } from '../jaeger/trace-id.js';
import { gatewayErrorBody } from './gateway-error.js';

// Matched against jaegertracing/jaeger cmd/jaeger/internal/extension/jaegerquery/internal/apiv3:
// http_gateway.go (routes, GRPCGatewayWrapper {result: TracesData}, 404 "No traces found",
// GetServicesResponse, GetOperationsResponse with "internal" for an unknown kind) and
// query_parser.go (query.* parameters, camelCase with their snake_case aliases, RFC 3339 times,
// search depth 100 by default, Go durations).

const MAX_NAME_LENGTH = 256;
const MAX_SEARCH_DEPTH = 1_000;
const DEFAULT_SEARCH_DEPTH = 100;
const strict = { additionalProperties: false } as const;

const GatewayError = Type.Object({ error: Type.Object({ httpCode: Type.Integer(), message: Type.String() }, strict) }, strict);
const TracesResult = Type.Object({ result: Type.Object({ resourceSpans: Type.Array(OtlpResourceSpans) }, strict) }, strict);
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH });
const Rfc3339 = Type.String({ format: 'date-time' });
const GoDuration = Type.String({ pattern: GO_DURATION_PATTERN, maxLength: 64 });
const SearchDepth = Type.Integer({ minimum: 1, maximum: MAX_SEARCH_DEPTH });

const FindTracesQuery = Type.Object(
  {
    'query.serviceName': Type.Optional(Name),
    'query.service_name': Type.Optional(Name),
    'query.operationName': Type.Optional(Name),
    'query.operation_name': Type.Optional(Name),
    'query.startTimeMin': Type.Optional(Rfc3339),
    'query.start_time_min': Type.Optional(Rfc3339),
    'query.startTimeMax': Type.Optional(Rfc3339),
    'query.start_time_max': Type.Optional(Rfc3339),
    'query.durationMin': Type.Optional(GoDuration),
    'query.duration_min': Type.Optional(GoDuration),
    'query.durationMax': Type.Optional(GoDuration),
    'query.duration_max': Type.Optional(GoDuration),
    'query.searchDepth': Type.Optional(SearchDepth),
    'query.search_depth': Type.Optional(SearchDepth),
    'query.num_traces': Type.Optional(SearchDepth),
    'query.attributes': Type.Optional(Type.String({ maxLength: 4_096, description: 'JSON object of attribute key -> value' })),
  },
  strict,
);

const micros = (time: string): bigint => BigInt(Date.parse(time)) * 1_000n;

function parseAttributes(text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError(ApiErrors.invalidParameter, `malformed parameter query.attributes: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
    throw new ApiError(ApiErrors.invalidParameter, 'malformed parameter query.attributes: expecting a JSON object of strings');
  }
  return parsed as Record<string, string>;
}

function tracesResult(traces: TraceView[]) {
  if (traces.length === 0) throw new ApiError(ApiErrors.traceNotFound, 'No traces found');
  return { result: { resourceSpans: otlpResourceSpans(traces) } };
}

/** Routes under /api/v3: Jaeger's api_v3 HTTP gateway, traces as OTLP JSON. */
export const jaegerV3Routes: FastifyPluginAsyncTypebox<{ store: Store; logger?: Logger | undefined }> = async (app, { store, logger }) => {
  app.setErrorHandler(createErrorHandler(logger, gatewayErrorBody));

  app.get(
    '/traces/:trace_id',
    {
      config: { serviceScoped: true },
      schema: {
        description: 'One trace as OTLP JSON, the slow syscalls under its spans flagged stallscope.kernel',
        params: Type.Object({ trace_id: JaegerTraceIdParam }, strict),
        response: { 200: TracesResult, 400: GatewayError, 404: GatewayError, '5xx': GatewayError },
      },
    },
    async (request) => tracesResult(await readTraceViews(store.client, [storedTraceId(request.params.trace_id)], scopeOf(request.principal))),
  );

  app.get(
    '/traces',
    {
      config: { serviceScoped: true },
      schema: {
        description: 'Traces with a span matching the query, as OTLP JSON',
        querystring: FindTracesQuery,
        response: { 200: TracesResult, 400: GatewayError, 403: GatewayError, 404: GatewayError, '5xx': GatewayError },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = scopeOf(request.principal);
      const serviceName = q['query.serviceName'] ?? q['query.service_name'];
      const startMin = q['query.startTimeMin'] ?? q['query.start_time_min'];
      const startMax = q['query.startTimeMax'] ?? q['query.start_time_max'];
      if (startMin === undefined || startMax === undefined) {
        throw new ApiError(ApiErrors.invalidParameter, 'query.startTimeMin and query.startTimeMax are required');
      }
      if (!(Date.parse(startMin) < Date.parse(startMax))) throw new ApiError(ApiErrors.invalidParameter, 'query.startTimeMin must be before query.startTimeMax');
      if (serviceName === undefined) throw new ApiError(ApiErrors.invalidParameter, 'query.serviceName is required');
      const durationMin = q['query.durationMin'] ?? q['query.duration_min'];
      const durationMax = q['query.durationMax'] ?? q['query.duration_max'];
      const traceIds = await searchTraceIds(
        store.client,
        {
          serviceName,
          operationName: q['query.operationName'] ?? q['query.operation_name'],
          attributes: parseAttributes(q['query.attributes']),
          startMinUs: micros(startMin),
          startMaxUs: micros(startMax),
          durationMinNs: durationMin === undefined ? undefined : goDurationNs(durationMin),
          durationMaxNs: durationMax === undefined ? undefined : goDurationNs(durationMax),
          limit: q['query.searchDepth'] ?? q['query.search_depth'] ?? q['query.num_traces'] ?? DEFAULT_SEARCH_DEPTH,
        },
        scope,
      );
      return tracesResult(await readTraceViews(store.client, traceIds, scope));
    },
  );

  app.get(
    '/services',
    {
      config: { serviceScoped: true },
      schema: {
        description: "Every service with spans (a scoped key's services only)",
        response: { 200: Type.Object({ services: Type.Array(Type.String()) }, strict), '5xx': GatewayError },
      },
    },
    async (request) => ({ services: await readServiceNames(store.client, scopeOf(request.principal)) }),
  );

  app.get(
    '/operations',
    {
      config: { serviceScoped: true },
      schema: {
        description: "The service's operations and their span kinds",
        querystring: Type.Object(
          { service: Name, spanKind: Type.Optional(StringEnum(JAEGER_SPAN_KINDS)), span_kind: Type.Optional(StringEnum(JAEGER_SPAN_KINDS)) },
          strict,
        ),
        response: {
          200: Type.Object({ operations: Type.Array(Type.Object({ name: Type.String(), spanKind: Type.String() }, strict)) }, strict),
          400: GatewayError,
          403: GatewayError,
          '5xx': GatewayError,
        },
      },
    },
    async (request) => {
      const spanKind = request.query.spanKind ?? request.query.span_kind;
      const operations = await readOperations(store.client, request.query.service, scopeOf(request.principal), spanKind && STORED_SPAN_KINDS[spanKind]);
      // An operation of no known kind is "internal" in Jaeger's getOperations.
      return { operations: operations.map((operation) => ({ name: operation.name, spanKind: operation.kind === 'Unspecified' ? 'internal' : operation.kind.toLowerCase() })) };
    },
  );
};
