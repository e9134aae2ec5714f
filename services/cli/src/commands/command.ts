import type { ParseArgsOptionsConfig } from 'node:util';
import type { Style } from '../format/style.js';

export type OptionValues = Record<string, string | boolean | undefined>;

/** Where rendered text goes: the terminal's width (undefined for a pipe) and its colours. */
export interface Output {
  width: number | undefined;
  style: Style;
}

export interface ApiRequest {
  path: string;
  query: URLSearchParams;
}

/** One subcommand: its flags, the API request they make, and how its answer reads as text. */
export interface Command {
  name: string;
  /** Flags and positionals, as the usage shows them. */
  synopsis: string;
  summary: string;
  options: ParseArgsOptionsConfig;
  /** Names of the positionals it needs, in order. */
  positionals: readonly string[];
  request(values: OptionValues, positionals: readonly string[]): ApiRequest;
  render(body: unknown, output: Output): string;
}

/**
 * The query string from the flags that were given: `flags` maps a flag to
 * its API parameter; a boolean flag sends `true`.
 */
export function queryOf(values: OptionValues, flags: Record<string, string>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [flag, parameter] of Object.entries(flags)) {
    const value = values[flag];
    if (value === undefined || value === false) continue;
    query.set(parameter, value === true ? 'true' : value);
  }
  return query;
}
