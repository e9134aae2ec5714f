import { Type } from '@sinclair/typebox';
import { ApiError, ApiErrors } from '../../errors.js';

/** Up to 32 hex digits: Jaeger's model.TraceIDFromString takes 64-bit ids too, left-padded with zeros. */
export const JaegerTraceIdParam = Type.String({ pattern: '^[0-9a-fA-F]{1,32}$', description: 'trace id, up to 32 hex digits' });

/** The id as stored (32 lower-case hex digits); an ApiError for the all-zero (invalid) id. */
export function storedTraceId(traceId: string): string {
  const padded = traceId.toLowerCase().padStart(32, '0');
  if (/^0+$/.test(padded)) throw new ApiError(ApiErrors.invalidParameter, 'the all-zero trace id is invalid');
  return padded;
}
