/**
 * What the launcher's shared server needs of the query API for every target,
 * the agent's too: API key authentication and the paths served without a key.
 * A module of its own (`@stallscope/query-api/server-access`), so that a
 * process running only the agent does not load the query API's routes.
 */
export { apiKeyAuth } from './access/auth-plugin.js';
export type { ApiKeyAuthOptions } from './access/auth-plugin.js';
export { adminKey, apiKeysFromFile } from './access/api-keys.js';
export type { ApiKeys } from './access/api-keys.js';
export { DOCS_PREFIX, UI_PUBLIC_PATHS } from './public-paths.js';
