import type { Store } from '@stallscope/store';
import type { QueryApiConfig } from '../config.js';

export type QueryParams = Record<string, string | number>;

export interface BoundQuery {
  /** SQL text built only from fixed fragments; every user value is in params. */
  query: string;
  params: QueryParams;
}

/**
 * The SETTINGS clause every query of the API ends with. It is part of the SQL
 * text, not the client's settings: chDB applies client settings as session
 * SETs, which would then bind the ingest's inserts in the same process too.
 * readonly = 1 comes last (once it is set, no further setting may change): a
 * query can only read, whatever the connecting user may do. The values are
 * validated integers from the config, never request input.
 */
export function querySettingsClause(limits: QueryApiConfig): string {
  return [
    `SETTINGS max_execution_time = ${Math.trunc(limits.maxExecutionSeconds)}`,
    `max_result_rows = ${Math.trunc(limits.maxResultRows)}`,
    "result_overflow_mode = 'throw'",
    'output_format_json_quote_64bit_integers = 1',
    'readonly = 1',
  ].join(', ');
}

/** Runs a bound read query under the API's limits; rows as JSON objects (64-bit integers as strings). */
export async function queryRows<Row>(client: Store['client'], bound: BoundQuery, limits: QueryApiConfig): Promise<Row[]> {
  const result = await client.query({
    query: `${bound.query}\n${querySettingsClause(limits)}`,
    query_params: bound.params,
    format: 'JSONEachRow',
  });
  return result.json<Row>();
}
