/** Where the OpenAPI document (JSON at /docs/json) and its browsable UI are served. */
export const DOCS_PREFIX = '/docs';

/** Where the web UI is served. */
export const UI_PREFIX = '/ui';

/**
 * The UI's routes. They serve only the static bundle, never data, so a
 * browser loads them without a key; the page then asks for the key and sends
 * it on every API call (Authorization header), as any other client does.
 */
export const UI_PUBLIC_PATHS: readonly string[] = [UI_PREFIX, `${UI_PREFIX}/`, `${UI_PREFIX}/:file`];
