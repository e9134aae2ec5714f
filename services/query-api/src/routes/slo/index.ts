import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../../access/principal.js';
import { scopeOf } from '../../access/scope.js';
import { ApiError, ApiErrors } from '../../errors.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { StringEnum } from '../../schemas/string-enum.js';
import type { SloCatalog, SloEntry } from '../../slo/slo-catalog.js';
import { isSloInScope } from '../../slo/slo-services.js';
import { evaluateSlo } from '../../slo/slo-status.js';
import { buildSloReport } from '../../slo/slo-report.js';
import { renderSloReportHtml, renderSloReportsHtml } from '../../slo/render-html.js';
import { renderSloReportMarkdown, renderSloReportsMarkdown } from '../../slo/render-markdown.js';
import { SloDocumentSchema, SloNameParams, SloReportSchema, SloStatusSchema } from './schemas.js';

export interface SloRoutesOptions {
  store: Store;
  catalog: SloCatalog;
  /** Unix ms; reports end at its last whole minute. */
  now: () => number;
}

const REPORT_FORMATS = ['json', 'markdown', 'html'] as const;
const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];
const MAX_DOCUMENT_BYTES = 256 * 1024;

function wholeMinuteSeconds(nowMs: number): number {
  return Math.floor(nowMs / 60_000) * 60;
}

const ReportFormatQuery = Type.Object({ format: StringEnum(REPORT_FORMATS, { default: 'json' }) }, { additionalProperties: false });

/**
 * The SLO by name, or a 404. An SLO that reads a service outside the caller's
 * scope is a 404 too, with the same message: the answer does not say it exists.
 */
async function entryOrNotFound(catalog: SloCatalog, name: string, scope: ServiceScope): Promise<SloEntry> {
  const entry = await catalog.get(name);
  if (!entry || !isSloInScope(scope, entry.definition)) throw new ApiError(ApiErrors.sloNotFound, `no SLO named ${name}`);
  return entry;
}

// Reads are per service (a scoped key sees the SLOs whose services are all in
// its scope); PUT and DELETE change what every key sees, so they are for
// unscoped keys only (the auth plugin refuses scoped keys on them).

/** Routes under /slos: OpenSLO definitions, the status of all, and one SLO's report. */
export const sloRoutes: FastifyPluginAsyncTypebox<SloRoutesOptions> = async (app, { store, catalog, now }) => {
  // SLOs are PUT as OpenSLO YAML; JSON bodies keep fastify's own parser.
  app.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string', bodyLimit: MAX_DOCUMENT_BYTES }, (_request, body, done) => done(null, body));

  app.get(
    '/',
    {
      config: { serviceScoped: true },
      schema: {
        description: "Every SLO with its compliance, error budget and burn-rate state (a scoped key's: those whose services are all in its scope)",
        response: { 200: Type.Object({ slos: Type.Array(SloStatusSchema) }), '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const nowSeconds = wholeMinuteSeconds(now());
      const scope = scopeOf(request.principal);
      const entries = (await catalog.list()).filter((entry) => isSloInScope(scope, entry.definition));
      const slos = await Promise.all(
        entries.map(async (entry) => ({ ...(await evaluateSlo(store.client, entry.definition, nowSeconds)).status, source: entry.source })),
      );
      return { slos };
    },
  );

  app.get(
    '/:name',
    {
      config: { serviceScoped: true },
      schema: {
        description: 'One SLO as its OpenSLO YAML',
        params: SloNameParams,
        response: { 200: SloDocumentSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const entry = await entryOrNotFound(catalog, request.params.name, scopeOf(request.principal));
      return { name: entry.definition.name, source: entry.source, document: entry.document };
    },
  );

  app.put(
    '/:name',
    {
      schema: {
        description: 'Stores an SLO given as OpenSLO v1 YAML (the SLO and any objects it refers to); 400 names the field it cannot compute',
        params: SloNameParams,
        body: Type.String({ minLength: 1 }),
        response: { 200: SloDocumentSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const entry = await catalog.put(request.params.name, request.body);
      return { name: entry.definition.name, source: entry.source, document: entry.document };
    },
  );

  app.delete(
    '/:name',
    {
      schema: {
        description: 'Deletes an SLO stored through the API',
        params: SloNameParams,
        response: { 204: Type.Null(), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await catalog.delete(request.params.name))) throw new ApiError(ApiErrors.sloNotFound, `no SLO named ${request.params.name}`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/:name/report',
    {
      config: { serviceScoped: true },
      schema: {
        description: 'Compliance over 1h..30d, error budget, burn-rate alerts and where the bad time went in the kernel',
        params: SloNameParams,
        querystring: ReportFormatQuery,
        response: { 200: Type.Union([SloReportSchema, Type.String()]), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const entry = await entryOrNotFound(catalog, request.params.name, scopeOf(request.principal));
      const report = { ...(await buildSloReport(store.client, entry.definition, wholeMinuteSeconds(now()))), source: entry.source };
      switch (request.query.format) {
        case 'markdown':
          return reply.type('text/markdown; charset=utf-8').serializer((text: string) => text).send(renderSloReportMarkdown(report));
        case 'html':
          return reply.type('text/html; charset=utf-8').serializer((text: string) => text).send(renderSloReportHtml(report));
        case 'json':
          return report;
      }
    },
  );
};

/** GET /slo-reports: every SLO's report at once (those a scoped key may read), for a weekly review or an incident. */
export const sloReportsRoutes: FastifyPluginAsyncTypebox<SloRoutesOptions> = async (app, { store, catalog, now }) => {
  app.get(
    '/',
    {
      config: { serviceScoped: true },
      schema: {
        description: "Every SLO's report (a scoped key's: those whose services are all in its scope) in name order; Markdown and HTML put a summary table first",
        querystring: ReportFormatQuery,
        response: { 200: Type.Union([Type.Object({ evaluatedAt: Type.String(), reports: Type.Array(SloReportSchema) }), Type.String()]), '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const nowSeconds = wholeMinuteSeconds(now());
      const scope = scopeOf(request.principal);
      const entries = (await catalog.list()).filter((entry) => isSloInScope(scope, entry.definition)).sort((a, b) => a.definition.name.localeCompare(b.definition.name));
      const reports = await Promise.all(entries.map(async (entry) => ({ ...(await buildSloReport(store.client, entry.definition, nowSeconds)), source: entry.source })));
      const evaluatedAt = new Date(nowSeconds * 1000).toISOString();
      switch (request.query.format) {
        case 'markdown':
          return reply.type('text/markdown; charset=utf-8').serializer((text: string) => text).send(renderSloReportsMarkdown(reports, evaluatedAt));
        case 'html':
          return reply.type('text/html; charset=utf-8').serializer((text: string) => text).send(renderSloReportsHtml(reports, evaluatedAt));
        case 'json':
          return { evaluatedAt, reports };
      }
    },
  );
};
