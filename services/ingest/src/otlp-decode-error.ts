/** The payload is not a well-formed OTLP request; retrying it cannot help. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}
