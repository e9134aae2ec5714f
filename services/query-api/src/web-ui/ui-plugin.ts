import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ApiErrors } from '../errors.js';
import type { ErrorResponse } from '../schemas/error-response.js';
import { UI_PREFIX } from '../public-paths.js';
import { readUiFiles, type UiFile } from './ui-files.js';

export interface UiPluginOptions {
  /** The bundle's folder; the build writes it to the package's dist/ui. */
  directory?: string;
  /** A Jaeger UI's base URL the trace page links to; empty for none. */
  jaegerUiUrl: string;
}


const UI_SETTINGS = Type.Object({ jaegerUiUrl: Type.String() }, { additionalProperties: false });

const DEFAULT_DIRECTORY = fileURLToPath(new URL('../ui/', import.meta.url));

// The bundle has no inline script; uPlot and the charts set inline styles.
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

class UiNotBuilt extends Error {}

function send(request: FastifyRequest, reply: FastifyReply, file: UiFile): FastifyReply {
  reply.header('etag', file.etag).header('cache-control', file.cacheControl).header('x-content-type-options', 'nosniff');
  if (file.contentType.startsWith('text/html')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.contentType).send(file.body);
}

/** GET /ui/ (the page), /ui/<bundle file>, /ui/settings.json (what the page needs to know of the server). */
export const uiPlugin: FastifyPluginAsyncTypebox<UiPluginOptions> = async (app, options) => {
  app.setErrorHandler((error, request, reply) => {
    if (!(error instanceof UiNotBuilt)) throw error;
    const body: ErrorResponse = { error: { code: ApiErrors.uiNotBuilt.code, message: ApiErrors.uiNotBuilt.message } };
    return reply.code(ApiErrors.uiNotBuilt.status).send(body);
  });
  const directory = options.directory ?? DEFAULT_DIRECTORY;
  const files = readUiFiles(directory);
  if (files === undefined) app.log.warn({ directory }, 'web UI not built: /ui answers 503 (npm run build bundles it)');
  const fileOr404 = (name: string): UiFile => {
    // Not an error of the server's code: an answer that says what to do (5xx ApiErrors are hidden as INTERNAL).
    if (files === undefined) throw new UiNotBuilt();
    const file = files.get(name);
    if (file === undefined) throw new ApiError(ApiErrors.uiFileNotFound, `no UI file ${name}`);
    return file;
  };
  // The page's own links are relative to /ui/: /ui (no slash) is sent there.
  app.get('/', { prefixTrailingSlash: 'no-slash', schema: { hide: true } }, async (_request, reply) => reply.redirect(`${UI_PREFIX}/`));
  app.get('/', { prefixTrailingSlash: 'slash', schema: { hide: true } }, async (request, reply) => send(request, reply, fileOr404('index.html')));
  // Behind the key like the data; it reads no service's data, so scoped keys may have it too.
  app.get(
    '/settings.json',
    { config: { serviceScoped: true }, schema: { hide: true, response: { 200: UI_SETTINGS } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return { jaegerUiUrl: options.jaegerUiUrl };
    },
  );
  app.get(
    '/:file',
    { schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' }) }) } },
    async (request, reply) => send(request, reply, fileOr404(request.params.file)),
  );
};
