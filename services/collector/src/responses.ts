import { otlpType } from './otlp-types.js';
import type { MessagePlan } from './request-messages.js';
import type { SignalShape } from './signals.js';

/** A response body in both OTLP/HTTP encodings; the request's content type picks one. */
export interface ResponseBody {
  protobuf: Buffer;
  json: string;
}

/**
 * The Export*ServiceResponse: partial_success set only when items were
 * rejected, as the spec asks (an empty one means full success).
 */
export function exportResponse(shape: SignalShape, plan: MessagePlan): ResponseBody {
  const type = otlpType(shape.responseType);
  const partialSuccess =
    plan.rejectedItems > 0 ? { [shape.rejectedField]: plan.rejectedItems, errorMessage: plan.rejectMessage } : undefined;
  const message = type.fromObject(partialSuccess ? { partialSuccess } : {});
  return {
    protobuf: Buffer.from(type.encode(message).finish()),
    // OTLP/JSON writes 64-bit integers as decimal strings.
    json: JSON.stringify(
      partialSuccess ? { partialSuccess: { ...partialSuccess, [shape.rejectedField]: String(plan.rejectedItems) } } : {},
    ),
  };
}

/** gRPC status codes that OTLP/HTTP error bodies (google.rpc.Status) carry. */
export const GrpcCode = {
  invalidArgument: 3,
  resourceExhausted: 8,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** The google.rpc.Status body of an OTLP/HTTP 4xx/5xx response. */
export function statusBody(code: number, message: string): ResponseBody {
  const type = otlpType('google.rpc.Status');
  return {
    protobuf: Buffer.from(type.encode(type.fromObject({ code, message })).finish()),
    json: JSON.stringify({ code, message }),
  };
}
