import { Type, type Static } from '@sinclair/typebox';

/** Bounds on what one request may make the store do, and where the web UI links to. */
export const queryApiConfigSchema = Type.Object(
  {
    /** ClickHouse max_execution_time of every query; past it the request gets 504 QUERY_TIMEOUT. */
    maxExecutionSeconds: Type.Integer({ minimum: 1, maximum: 600 }),
    /** ClickHouse max_result_rows of every query (and the most cells a heatmap may have). */
    maxResultRows: Type.Integer({ minimum: 1000, maximum: 10_000_000 }),
    /** Most points a series or heatmap may have: window / step. */
    maxSteps: Type.Integer({ minimum: 10, maximum: 100_000 }),
    /** A Jaeger UI's base URL (such as http://jaeger:16686): the web UI's trace page links each trace there. Empty: no link. */
    jaegerUiUrl: Type.String({ maxLength: 2048, pattern: '^(https?://.+)?$' }),
  },
  { additionalProperties: false },
);
export type QueryApiConfig = Static<typeof queryApiConfigSchema>;

export const queryApiConfigDefaults: QueryApiConfig = {
  maxExecutionSeconds: 10,
  maxResultRows: 100_000,
  maxSteps: 1_440,
  jaegerUiUrl: '',
};
