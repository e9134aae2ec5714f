import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import type { Principal } from './principal.js';

const SHA256_HEX = '^[0-9a-f]{64}$';

/**
 * The API-key file (YAML or JSON): keys are stored as the SHA-256 of the
 * secret, never the secret. Secrets are random tokens (at least 128 bits), so
 * a fast hash is enough: there is no dictionary to try against it, and every
 * request is checked without a key-stretching cost.
 */
export const apiKeyFileSchema = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          /** Names the key in logs and rate limits; never the secret. */
          id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
          sha256: Type.String({ pattern: SHA256_HEX }),
          /** Services whose names start with one of these; [''] reads every service. */
          servicePrefixes: Type.Array(Type.String({ maxLength: 256 }), { minItems: 1 }),
          rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ApiKeyFile = Static<typeof apiKeyFileSchema>;

/** Principals by the hex SHA-256 of their secret. */
export type ApiKeys = ReadonlyMap<string, Principal>;

export const sha256Hex = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** The file's keys as principals; an Error naming the file and the first problem when it is not valid. */
export function apiKeysFromFile(path: string, defaultRateLimitPerMinute: number): ApiKeys {
  const parsed: unknown = parse(readFileSync(path, 'utf8'));
  const problem = Value.Errors(apiKeyFileSchema, parsed).First();
  if (problem) throw new Error(`API key file ${path}: ${problem.path || '/'} ${problem.message}`);
  const file = parsed as ApiKeyFile;
  const keys = new Map<string, Principal>();
  for (const key of file.keys) {
    if (keys.has(key.sha256)) throw new Error(`API key file ${path}: key ${key.id} has the same secret as another key`);
    keys.set(key.sha256, {
      keyId: key.id,
      scope: { servicePrefixes: key.servicePrefixes },
      rateLimitPerMinute: key.rateLimitPerMinute ?? defaultRateLimitPerMinute,
    });
  }
  return keys;
}

/** The admin key: the server's bearer token, every service, every route. */
export function adminKey(token: string, rateLimitPerMinute: number): [string, Principal] {
  return [sha256Hex(token), { keyId: 'admin', scope: 'all', rateLimitPerMinute }];
}

/**
 * The principal of an `Authorization: Bearer <secret>` header. The lookup is by
 * the secret's hash, so how long it takes says nothing about any stored secret.
 */
export function principalOf(header: string | undefined, keys: ApiKeys): Principal | undefined {
  if (!header?.startsWith('Bearer ')) return undefined;
  return keys.get(sha256Hex(header.slice('Bearer '.length).trim()));
}
