// docs/api.md, rendered from the query API's OpenAPI document (the one served
// at /docs/json), built from the same server and plugin the launcher runs. A
// test fails when the committed page is stale; regenerate with
// `node services/launcher/scripts/gen-api-doc.mjs`.
import { createLogger, createMetricsRegistry } from '@stallscope/common';
import { DOCS_PREFIX, queryApiPlugin } from '@stallscope/query-api';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { createServer } from './server.js';
import { serverConfigDefaults } from './server-config.js';

interface SchemaObject {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
  items?: SchemaObject;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: SchemaObject;
}
interface Operation {
  description?: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/** The OpenAPI document of every route the query-api target serves; nothing listens and no store is reached. */
export async function queryApiOpenApi(): Promise<OpenApiDocument> {
  const logger = createLogger('silent');
  const authToken = 'openapi-document-only';
  const server = createServer(serverConfigDefaults, { logger, metrics: createMetricsRegistry(), authToken });
  const store = createStore({ ...storeConfigDefaults, url: 'http://127.0.0.1:8123' }, { logger });
  await server.app.register(queryApiPlugin, { store, logger });
  try {
    const response = await server.app.inject({ url: `${DOCS_PREFIX}/json`, headers: { authorization: `Bearer ${authToken}` } });
    if (response.statusCode !== 200) throw new Error(`${DOCS_PREFIX}/json answered ${response.statusCode}: ${response.body}`);
    return response.json<OpenApiDocument>();
  } finally {
    await server.app.close();
  }
}

function schemaText(schema: SchemaObject | undefined): string {
  if (!schema) return '';
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map((member) => (member.const !== undefined ? `\`${String(member.const)}\`` : schemaText(member))).join(' | ');
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(' | ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  const bounds = [
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : undefined,
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : undefined,
    schema.minLength !== undefined && schema.minLength > 0 ? `length ≥ ${schema.minLength}` : undefined,
    schema.maxLength !== undefined ? `length ≤ ${schema.maxLength}` : undefined,
    schema.pattern !== undefined ? `pattern \`${schema.pattern}\`` : undefined,
  ].filter((bound) => bound !== undefined);
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type === 'array' ? `array of ${schemaText(schema.items)}` : (schema.type ?? 'any');
  return [type, ...bounds].join(', ');
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** `/v1/slos/{name}` before `/v1/slos/{name}/report`: paths in order, methods GET, PUT, POST, DELETE. */
const METHOD_ORDER = ['get', 'put', 'post', 'delete', 'patch', 'head'];

export function renderApiDoc(document: OpenApiDocument): string {
  const lines = [
    '<!-- Generated from the query API\'s OpenAPI document by services/launcher/src/api-doc.ts: do not edit;',
    '     regenerate with `node services/launcher/scripts/gen-api-doc.mjs` (a test fails when this page is stale). -->',
    '# HTTP API reference',
    '',
    'Every route of the `query-api` target, from the OpenAPI document a running',
    'stallscope serves at `/docs/json` (browsable at `/docs`). Every route but',
    '`/healthz` takes `Authorization: Bearer <key>`: the admin token',
    '(`data/auth-token`, or `server.authToken`) or a key of `server.apiKeysFile`',
    'scoped to services (see the README\'s *Keys*). Errors are',
    '`{ "error": { "code", "message" } }` with a 4xx for bad input, 401 without a',
    'key, 403 outside its scope, 429 over its rate, 503 when the store is',
    'overloaded, 504 past `queryApi.maxExecutionSeconds` and 507 for a write',
    "while the store's disk is below its floor (`store.minFreeBytes`). Besides",
    'these, the server answers `GET /healthz` (no key) and `GET /metrics`',
    '(Prometheus text, admin key).',
    '',
    '| method | path | what it answers |',
    '|---|---|---|',
  ];
  const operations = Object.entries(document.paths)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => METHOD_ORDER.includes(method))
        .sort(([a], [b]) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b))
        .map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
  // GitHub's heading anchor of `## GET /v1/x`: lower case, punctuation dropped, the space a hyphen.
  const anchor = (method: string, path: string) => `${method} ${path}`.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replaceAll(' ', '-');
  for (const { path, method, operation } of operations) {
    const firstSentence = (operation.description ?? operation.summary ?? '—').split(/(?<=\.) /)[0]!;
    lines.push(`| ${method} | [\`${path}\`](#${anchor(method, path)}) | ${cell(firstSentence)} |`);
  }
  for (const { path, method, operation } of operations) {
    lines.push('', `## ${method} ${path}`, '', operation.description ?? operation.summary ?? '—');
    const parameters = operation.parameters ?? [];
    if (parameters.length > 0) {
      lines.push('', '| parameter | in | type | default | required |', '|---|---|---|---|---|');
      for (const parameter of parameters) {
        // Fastify marks a parameter with a default as required; a client may leave it out.
        const fallback = parameter.schema?.default;
        lines.push(
          `| \`${parameter.name}\` | ${parameter.in} | ${cell(schemaText(parameter.schema))} | ${fallback === undefined ? '—' : `\`${String(fallback)}\``} | ${parameter.required && fallback === undefined ? 'yes' : 'no'} |`,
        );
      }
    }
    if (operation.requestBody?.content) lines.push('', `Body: ${Object.keys(operation.requestBody.content).map((type) => `\`${type}\``).join(', ')}.`);
    const statuses = Object.entries(operation.responses ?? {});
    if (statuses.length > 0) {
      const responseText = ([status, response]: [string, { content?: Record<string, unknown> }]) =>
        `${status}${response.content ? ` (${Object.keys(response.content).join(', ')})` : ''}`;
      lines.push('', `Responses: ${statuses.map(responseText).join('; ')}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}
