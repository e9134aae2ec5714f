import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CliError, EXIT_USAGE } from './cli-error.js';

/** The query API a command talks to, and the bearer key it sends (none: the API answers 401). */
export interface ApiTarget {
  url: string;
  key: string | undefined;
}

/** The all-in-one's listener and the admin key it writes under its data directory. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8470';
export const DEFAULT_KEY_FILE = join('data', 'auth-token');
export const API_URL_ENV = 'STALLSCOPE_API_URL';
export const API_KEY_ENV = 'STALLSCOPE_API_KEY';

export interface TargetSources {
  flags: { url?: string | undefined; key?: string | undefined; keyFile?: string | undefined };
  env: Record<string, string | undefined>;
  homeDir: string;
  cwd: string;
}

interface ConfigFile {
  url?: string;
  key?: string;
  keyFile?: string;
}
const CONFIG_KEYS = new Set(['url', 'key', 'keyFile']);

/** $XDG_CONFIG_HOME/stallscope/cli.yaml, ~/.config when XDG_CONFIG_HOME is unset or empty. */
export function configFilePath(env: TargetSources['env'], homeDir: string): string {
  const configHome = env.XDG_CONFIG_HOME || join(homeDir, '.config');
  return join(configHome, 'stallscope', 'cli.yaml');
}

function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return {};
  let content: unknown;
  try {
    content = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path}: ${error instanceof Error ? error.message : String(error)}`, EXIT_USAGE);
  }
  if (content === null || content === undefined) return {};
  if (typeof content !== 'object' || Array.isArray(content)) throw new CliError(`${path}: expected a map with url, key or keyFile`, EXIT_USAGE);
  const unknown = Object.keys(content).filter((key) => !CONFIG_KEYS.has(key));
  if (unknown.length > 0) throw new CliError(`${path}: unknown keys ${unknown.join(', ')} (known: url, key, keyFile)`, EXIT_USAGE);
  for (const [key, value] of Object.entries(content)) {
    if (typeof value !== 'string') throw new CliError(`${path}: ${key} must be a string`, EXIT_USAGE);
  }
  return content as ConfigFile;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new CliError(`cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, EXIT_USAGE);
  }
}

/**
 * The URL and key, each from the first source that has it: flags, then the
 * environment, then the config file (its keyFile relative to the file), then
 * the all-in-one defaults (its admin key only when ./data/auth-token exists).
 */
export function resolveApiTarget(sources: TargetSources): ApiTarget {
  const configPath = configFilePath(sources.env, sources.homeDir);
  const config = readConfigFile(configPath);
  const url = sources.flags.url ?? (sources.env[API_URL_ENV] || undefined) ?? config.url ?? DEFAULT_API_URL;
  try {
    new URL(url);
  } catch {
    throw new CliError(`not a URL: ${url}`, EXIT_USAGE);
  }
  if (sources.flags.key !== undefined && sources.flags.keyFile !== undefined) throw new CliError('give --key or --key-file, not both', EXIT_USAGE);
  let key: string | undefined;
  if (sources.flags.key !== undefined) key = sources.flags.key;
  else if (sources.flags.keyFile !== undefined) key = readKeyFile(resolve(sources.cwd, sources.flags.keyFile));
  else if (sources.env[API_KEY_ENV]) key = sources.env[API_KEY_ENV];
  else if (config.key !== undefined) key = config.key;
  else if (config.keyFile !== undefined) key = readKeyFile(resolve(dirname(configPath), config.keyFile));
  else if (existsSync(resolve(sources.cwd, DEFAULT_KEY_FILE))) key = readKeyFile(resolve(sources.cwd, DEFAULT_KEY_FILE));
  return { url: url.replace(/\/+$/, ''), key };
}
