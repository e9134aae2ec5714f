import type { Store } from '@stallscope/store';
import type { QueryApiConfig } from '../../config.js';
import { queryRows } from '../../store/run-query.js';

export interface DeadLettersFilter {
  windowSeconds: number;
  topic?: string | undefined;
  limit: number;
}

export interface DeadLettersSql {
  query: string;
  params: Record<string, string | number>;
}

/** Newest first; every user value is a bound parameter. */
export function deadLettersSql(filter: DeadLettersFilter): DeadLettersSql {
  const params: Record<string, string | number> = { windowSeconds: filter.windowSeconds, limit: filter.limit };
  const conditions = ['Timestamp >= now64(3) - toIntervalSecond({windowSeconds:UInt32})'];
  if (filter.topic !== undefined) {
    conditions.push('SourceTopic = {topic:String}');
    params.topic = filter.topic;
  }
  const query = `
    SELECT toUnixTimestamp64Milli(Timestamp) AS timeMs, SourceTopic AS sourceTopic, SourcePartition AS sourcePartition,
      toString(SourceOffset) AS sourceOffset, Error AS error, Headers AS headers, PayloadBase64 AS payloadBase64
    FROM stallscope_dead_letters
    WHERE ${conditions.join(' AND ')}
    ORDER BY Timestamp DESC, sourceTopic, sourcePartition, SourceOffset DESC
    LIMIT {limit:UInt32}`;
  return { query, params };
}

/** One dead letter: where it came from, why it failed, and its original headers and bytes. */
export interface DeadLetterRow {
  time: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  error: string;
  headers: Record<string, string>;
  payloadBase64: string;
}

/** A result row; 64-bit integers arrive as strings (output_format_json_quote_64bit_integers). */
type StoredRow = Omit<DeadLetterRow, 'time'> & { timeMs: string };

export async function queryDeadLetters(client: Store['client'], filter: DeadLettersFilter, limits: QueryApiConfig): Promise<DeadLetterRow[]> {
  const rows = await queryRows<StoredRow>(client, deadLettersSql(filter), limits);
  return rows.map(({ timeMs, ...row }) => ({ time: new Date(Number(timeMs)).toISOString(), ...row }));
}
