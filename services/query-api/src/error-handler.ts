import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@stallscope/common';
import { ApiError, ApiErrors, type ApiErrorEntry } from './errors.js';
import type { ErrorResponse } from './schemas/error-response.js';

/** The body of an error answer; routes that speak another API's dialect (Jaeger's) bring their own. */
export type ErrorBody = (entry: ApiErrorEntry, message: string, status: number) => unknown;

const apiErrorBody: ErrorBody = (entry, message): ErrorResponse => ({ error: { code: entry.code, message } });

/**
 * ClickHouse failures that are the request's or the store's load, not a bug:
 * by ClickHouse error code (both the HTTP client's and chDB's errors carry it).
 */
const STORE_ERRORS: Readonly<Record<string, ApiErrorEntry>> = {
  '159': ApiErrors.queryTimeout, // TIMEOUT_EXCEEDED: max_execution_time
  '396': ApiErrors.queryTooLarge, // TOO_MANY_ROWS_OR_BYTES: max_result_rows
  '158': ApiErrors.queryTooLarge, // TOO_MANY_ROWS: max_rows_to_read
  '202': ApiErrors.storeUnavailable, // TOO_MANY_SIMULTANEOUS_QUERIES
  '241': ApiErrors.storeUnavailable, // MEMORY_LIMIT_EXCEEDED
  '243': ApiErrors.storeDiskFull, // NOT_ENOUGH_SPACE
};

/** Errors of the connection to a ClickHouse server (refused, reset, timed out). */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

function storeErrorOf(error: FastifyError): ApiErrorEntry | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (CONNECTION_ERRORS.has(code)) return ApiErrors.storeUnavailable;
  return 'type' in error ? STORE_ERRORS[code] : undefined;
}

/**
 * Answers every error of the plugin's routes, by default as `{ error: { code, message } }`.
 * Client errors say what was wrong (validation messages name the parameter,
 * e.g. "querystring/limit must be <= 1000"); server errors are logged with
 * the request and answered without detail: a ClickHouse timeout as 504, an
 * overloaded or unreachable store as 503, a store out of disk as 507, each
 * with its code.
 */
export function createErrorHandler(logger: Logger | undefined, errorBody: ErrorBody = apiErrorBody) {
  const answer = (reply: FastifyReply, entry: ApiErrorEntry, message: string, status = entry.status): FastifyReply =>
    reply.status(status).send(errorBody(entry, message, status));
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error.validation) return answer(reply, ApiErrors.invalidParameter, error.message);
    if (error instanceof ApiError) {
      if (error.entry.status < 500) return answer(reply, error.entry, error.message);
    } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return answer(reply, ApiErrors.badRequest, error.message, error.statusCode);
    }
    // A server error of ours (the store's disk below its floor) answers its own code, its detail logged only.
    const storeError = error instanceof ApiError ? error.entry : storeErrorOf(error);
    (logger ?? request.log)[storeError ? 'warn' : 'error'](
      { err: error, reqId: request.id, method: request.method, url: request.url },
      'query API request failed',
    );
    if (storeError) return answer(reply, storeError, storeError.message);
    return answer(reply, ApiErrors.internal, ApiErrors.internal.message);
  };
}
