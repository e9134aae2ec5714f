import { Type, type Static } from '@sinclair/typebox';

export const selfTracingConfigSchema = Type.Object(
  {
    /**
     * OTLP gRPC endpoint (e.g. http://observer:4317) that receives this
     * process's own spans; empty (the default) turns self-tracing off and the
     * OpenTelemetry SDK is not even loaded.
     */
    tracesEndpoint: Type.String({ pattern: '^(|https?://.+)$' }),
    /** service.name of the spans; empty means stallscope-<target> (e.g. stallscope-ingest). */
    serviceName: Type.String(),
    /** Share of root spans kept (parent-based below them), 0..1. */
    sampleRatio: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export type SelfTracingConfig = Static<typeof selfTracingConfigSchema>;

export const selfTracingConfigDefaults: SelfTracingConfig = {
  tracesEndpoint: '',
  serviceName: '',
  sampleRatio: 1,
};
