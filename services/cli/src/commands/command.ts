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
  /** Set when the answer is written out as it came (Markdown, HTML, a profile) instead of rendered. */
  verbatim?: Verbatim;
}

export interface Verbatim {
  /** The media type asked for. */
  accept: string;
  /** Bytes no terminal should get (pprof): refused on one unless outputFile is set. */
  binary: boolean;
  /** Written there instead of stdout. */
  outputFile?: string | undefined;
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
  /** Names of positionals it may take after those, in order. */
  optionalPositionals?: readonly string[];
  request(values: OptionValues, positionals: readonly string[]): ApiRequest;
  /** The JSON answer as text; absent for a command whose answers are always verbatim. */
  render?(body: unknown, output: Output): string;
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
