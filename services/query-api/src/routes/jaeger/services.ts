import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Store } from '@stallscope/store';
import { scopeOf } from '../../access/scope.js';
import { JaegerErrorResponse, JaegerResponse } from '../../schemas/jaeger.js';
import { StringEnum } from '../../schemas/string-enum.js';
import { JAEGER_SPAN_KINDS, STORED_SPAN_KINDS } from '../../traces/span-kinds.js';
import { readOperations, readServiceNames } from '../../traces/trace-search.js';
import { structuredResponse } from './structured-response.js';

const MAX_NAME_LENGTH = 256;
const ServiceName = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH });

/** '' for a span of unspecified kind, as Jaeger's v1 getOperations answers. */
const jaegerSpanKindOf = (storedKind: string): string => (storedKind === 'Unspecified' ? '' : storedKind.toLowerCase());

/** GET /services, /services/:service/operations and /operations, as Jaeger's query service answers them. */
export const jaegerServiceRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.get(
    '/services',
    {
      config: { serviceScoped: true },
      schema: {
        description: "Every service with spans (a scoped key's services only)",
        response: { 200: JaegerResponse(Type.Array(Type.String())), '5xx': JaegerErrorResponse },
      },
    },
    async (request) => {
      const services = await readServiceNames(store.client, scopeOf(request.principal));
      return structuredResponse(services, services.length);
    },
  );

  app.get(
    '/services/:service/operations',
    {
      config: { serviceScoped: true },
      schema: {
        description: "The service's operation (span) names, of every kind",
        params: Type.Object({ service: ServiceName }, { additionalProperties: false }),
        response: { 200: JaegerResponse(Type.Array(Type.String())), 400: JaegerErrorResponse, 403: JaegerErrorResponse, '5xx': JaegerErrorResponse },
      },
    },
    async (request) => {
      const names = [...new Set((await readOperations(store.client, request.params.service, scopeOf(request.principal))).map((operation) => operation.name))];
      return structuredResponse(names, names.length);
    },
  );

  app.get(
    '/operations',
    {
      config: { serviceScoped: true },
      schema: {
        description: "The service's operations with their span kind, of one kind when asked",
        querystring: Type.Object({ service: ServiceName, spanKind: Type.Optional(StringEnum(JAEGER_SPAN_KINDS)) }, { additionalProperties: false }),
        response: {
          200: JaegerResponse(Type.Array(Type.Object({ name: Type.String(), spanKind: Type.String() }, { additionalProperties: false }))),
          400: JaegerErrorResponse,
          403: JaegerErrorResponse,
          '5xx': JaegerErrorResponse,
        },
      },
    },
    async (request) => {
      const { service, spanKind } = request.query;
      const operations = await readOperations(store.client, service, scopeOf(request.principal), spanKind && STORED_SPAN_KINDS[spanKind]);
      const data = operations.map((operation) => ({ name: operation.name, spanKind: jaegerSpanKindOf(operation.kind) }));
      return structuredResponse(data, data.length);
    },
  );
};
