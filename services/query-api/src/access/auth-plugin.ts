import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { createErrorHandler } from '../error-handler.js';
import { ApiError, ApiErrors, type ApiErrorEntry } from '../errors.js';
import type { ErrorResponse } from '../schemas/error-response.js';
import { principalOf, type ApiKeys } from './api-keys.js';
import './principal.js';

export interface ApiKeyAuthOptions {
  keys: ApiKeys;
  /** Routes anyone may call, without a key (such as /healthz). */
  publicPaths: ReadonlySet<string>;
  /** Path prefixes every key may call, scoped or not (such as the API docs). */
  anyKeyPathPrefixes: readonly string[];
}

const RATE_WINDOW_MS = 60_000;

function refuse(reply: FastifyReply, entry: ApiErrorEntry, message: string): FastifyReply {
  const body: ErrorResponse = { error: { code: entry.code, message } };
  return reply.code(entry.status).send(body);
}

/**
 * Authenticates every request but the public paths by its API key (401
 * without one), refuses routes that do not apply service scopes to keys that
 * have one (403), and limits each key to its requests per minute (429).
 * Registered at the root, before any route, so that it guards all of them;
 * it also makes the root's errors (a 429 on /metrics) the API's coded ones.
 */
export const apiKeyAuth = fastifyPlugin<ApiKeyAuthOptions>(
  async (app, options) => {
    app.decorateRequest('principal', undefined);
    app.setErrorHandler(createErrorHandler(undefined));
    const isPublic = (request: FastifyRequest) => options.publicPaths.has(request.routeOptions.url ?? '');
    app.addHook('onRequest', async (request, reply) => {
      if (isPublic(request)) return;
      const principal = principalOf(request.headers.authorization, options.keys);
      if (principal === undefined) {
        reply.header('www-authenticate', 'Bearer');
        return refuse(reply, ApiErrors.unauthorized, 'missing or unknown API key (Authorization: Bearer <key>)');
      }
      request.principal = principal;
      const scoped = principal.scope !== 'all';
      const anyKeyPath = options.anyKeyPathPrefixes.some((prefix) => request.url.startsWith(prefix));
      if (scoped && request.routeOptions.config.serviceScoped !== true && !anyKeyPath) {
        return refuse(reply, ApiErrors.forbidden, `key ${principal.keyId} is scoped to services and ${request.routeOptions.url ?? request.url} is not a per-service route`);
      }
      return undefined;
    });
    await app.register(rateLimit, {
      timeWindow: RATE_WINDOW_MS,
      max: (request) => request.principal?.rateLimitPerMinute ?? 1,
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
      allowList: (request) => isPublic(request),
      errorResponseBuilder: (request, context) =>
        new ApiError(ApiErrors.rateLimited, `key ${request.principal?.keyId ?? ''} made more than ${context.max} requests a minute; retry in ${context.after}`),
    });
  },
  { name: 'stallscope-api-key-auth', fastify: '5.x' },
);
