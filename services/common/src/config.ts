import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import type { TObject, TSchema } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** camelCase key path -> STALLSCOPE_SECTION_KEY_NAME. */
export function envVarName(prefix: string, path: readonly string[]): string {
  return [prefix, ...path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))].join('_').toUpperCase();
}

function isObjectSchema(schema: TSchema): schema is TObject {
  return schema.type === 'object' && typeof schema.properties === 'object';
}

function envValue(schema: TSchema, raw: string): unknown {
  if (schema.type === 'array') return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return raw;
}

/** Builds the part of the config that environment variables set, walking the schema. */
function fromEnv(schema: TObject, env: NodeJS.ProcessEnv, prefix: string, path: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(schema.properties)) {
    const childPath = [...path, key];
    if (isObjectSchema(child)) {
      const nested = fromEnv(child, env, prefix, childPath);
      if (Object.keys(nested).length > 0) out[key] = nested;
      continue;
    }
    const raw = env[envVarName(prefix, childPath)];
    if (raw !== undefined) out[key] = envValue(child, raw);
  }
  return out;
}

/** Every environment variable name the schema reads. */
function envNamesOf(schema: TObject, prefix: string, path: string[]): string[] {
  return Object.entries(schema.properties).flatMap(([key, child]) =>
    isObjectSchema(child) ? envNamesOf(child, prefix, [...path, key]) : [envVarName(prefix, [...path, key])],
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = deepMerge(base[key], value);
  return out;
}

export interface LoadConfigOptions<T> {
  /** The schema T was derived from (Static<typeof schema>). */
  schema: TObject;
  defaults: T;
  /** Optional YAML file; its keys must be known to the schema. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  envPrefix?: string;
  /** Highest precedence, e.g. command-line flags. */
  overrides?: Record<string, unknown>;
  /**
   * Refuse variables with the prefix that name no setting (a misspelt or
   * removed one would otherwise be ignored in silence), except these names.
   */
  rejectUnknownEnv?: { except: readonly string[] };
}

/**
 * defaults < YAML file < environment < overrides, validated against the schema.
 * Unknown keys and wrong types fail with a message naming each offending path.
 */
export function loadConfig<T>(options: LoadConfigOptions<T>): T {
  const { schema, defaults, file, env = process.env, envPrefix = 'STALLSCOPE', overrides = {}, rejectUnknownEnv } = options;
  if (rejectUnknownEnv) {
    const known = new Set([...envNamesOf(schema, envPrefix, []), ...rejectUnknownEnv.except]);
    const unknown = Object.keys(env).filter((name) => name.startsWith(`${envPrefix}_`) && !known.has(name)).sort();
    if (unknown.length > 0) {
      throw new ConfigError(`unknown environment variable(s), no such setting: ${unknown.join(', ')}`);
    }
  }
  let fromFile: unknown = {};
  if (file) {
    try {
      fromFile = parseYaml(readFileSync(file, 'utf8')) ?? {};
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    if (!isPlainObject(fromFile)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  }
  const merged = [fromFile, fromEnv(schema, env, envPrefix, []), overrides].reduce(deepMerge, structuredClone(defaults));
  const converted = Value.Convert(schema, merged);
  const errors = [...Value.Errors(schema, converted)];
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const path = error.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      return `  ${path}: ${error.message}${error.schema.additionalProperties === false ? ' (unknown key?)' : ''}`;
    });
    throw new ConfigError(`invalid configuration${file ? ` (file ${file})` : ''}:\n${lines.join('\n')}`);
  }
  return converted as T;
}
