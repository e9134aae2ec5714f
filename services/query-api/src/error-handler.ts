import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@stallscope/common';
import { ApiError, ApiErrors, type ApiErrorEntry } from './errors.js';
import type { ErrorResponse } from './schemas/error-response.js';

/** The body of an error answer; routes that speak another API's dialect (Jaeger's) bring their own. */
export type ErrorBody = (entry: ApiErrorEntry, message: string, status: number) => unknown;

const apiErrorBody: ErrorBody = (entry, message): ErrorResponse => ({ error: { code: entry.code, message } });

/**
 * Answers every error of the plugin's routes, by default as `{ error: { code, message } }`.
 * Client errors say what was wrong (validation messages name the parameter,
 * e.g. "querystring/limit must be <= 1000"); server errors are logged with
 * the request and answered without detail.
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
    (logger ?? request.log).error(
      { err: error, reqId: request.id, method: request.method, url: request.url },
      'query API request failed',
    );
    return answer(reply, ApiErrors.internal, ApiErrors.internal.message);
  };
}
