import { Type, type Static } from '@sinclair/typebox';

/** The launcher's `slo` section: where SLO files are, and how burn alerts are evaluated and delivered. */
export const sloConfigSchema = Type.Object(
  {
    /** OpenSLO YAML files, or directories whose *.yaml / *.yml files are read (env: comma list). */
    files: Type.Array(Type.String({ minLength: 1 })),
    evaluationIntervalMs: Type.Integer({ minimum: 1_000 }),
    webhook: Type.Object(
      {
        /** HMAC-SHA256 key of the signature header; webhooks are not sent while it is empty. */
        secret: Type.String(),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 20 }),
        initialBackoffMs: Type.Integer({ minimum: 1 }),
        maxBackoffMs: Type.Integer({ minimum: 1 }),
        timeoutMs: Type.Integer({ minimum: 100 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type SloConfig = Static<typeof sloConfigSchema>;

export const sloConfigDefaults: SloConfig = {
  files: [],
  evaluationIntervalMs: 60_000,
  webhook: { secret: '', maxAttempts: 5, initialBackoffMs: 1_000, maxBackoffMs: 30_000, timeoutMs: 10_000 },
};
