import type { ErrorBody } from '../../error-handler.js';
import type { JaegerErrorResponse } from '../../schemas/jaeger.js';

/** Jaeger's structuredResponse: total is set only for lists of names, limit and offset never. */
export function structuredResponse<Data>(data: Data[], total = 0) {
  return { data, total, limit: 0, offset: 0, errors: null };
}

/** Errors as Jaeger's handleError writes them: no data, one error with the HTTP status as code. */
export const jaegerErrorBody: ErrorBody = (_entry, message, status): JaegerErrorResponse => ({
  data: null,
  total: 0,
  limit: 0,
  offset: 0,
  errors: [{ code: status, msg: message }],
});
