// Every error the API answers with: one table of codes, statuses and messages.

export interface ApiErrorEntry {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

export const ApiErrors = {
  invalidParameter: { code: 'INVALID_PARAMETER', status: 400, message: 'a request parameter is invalid' },
  windowOutOfRange: { code: 'WINDOW_OUT_OF_RANGE', status: 400, message: 'window is out of range' },
  badRequest: { code: 'BAD_REQUEST', status: 400, message: 'the request cannot be served' },
  traceNotFound: { code: 'TRACE_NOT_FOUND', status: 404, message: 'no trace with this id' },
  queryTooLarge: { code: 'QUERY_TOO_LARGE', status: 400, message: 'the request asks for more than one query may read or return' },
  unauthorized: { code: 'UNAUTHORIZED', status: 401, message: 'missing or unknown API key' },
  forbidden: { code: 'FORBIDDEN', status: 403, message: "outside this key's scope" },
  rateLimited: { code: 'RATE_LIMITED', status: 429, message: 'too many requests for this key' },
  storeDiskFull: { code: 'STORE_DISK_FULL', status: 507, message: "the store's disk is below its free-space floor; nothing was written" },
  storeUnavailable: { code: 'STORE_UNAVAILABLE', status: 503, message: 'the store is unavailable or overloaded; retry later' },
  queryTimeout: { code: 'QUERY_TIMEOUT', status: 504, message: 'the query ran out of time; narrow the window or the filters' },
  invalidSlo: { code: 'INVALID_SLO', status: 400, message: 'the OpenSLO document cannot be computed by stallscope' },
  sloNotFound: { code: 'SLO_NOT_FOUND', status: 404, message: 'no SLO by that name' },
  sloDefinedInFile: { code: 'SLO_DEFINED_IN_FILE', status: 409, message: 'the SLO is loaded from a file; change the file' },
  uiNotBuilt: { code: 'UI_NOT_BUILT', status: 503, message: 'the web UI was not built with this server (npm run build bundles it)' },
  uiFileNotFound: { code: 'UI_FILE_NOT_FOUND', status: 404, message: 'no such file in the web UI' },
  internal: { code: 'INTERNAL', status: 500, message: 'internal error; the server log has the details' },
} as const satisfies Record<string, ApiErrorEntry>;

/** An error a handler throws to answer with one of the coded entries. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly entry: ApiErrorEntry;
  /** Read by fastify's own error handler, for routes outside the query API plugin. */
  readonly statusCode: number;

  /** `message` replaces the entry's generic message; it must name what was wrong. */
  constructor(entry: ApiErrorEntry, message?: string) {
    super(message ?? entry.message);
    this.entry = entry;
    this.statusCode = entry.status;
  }
}
