import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const MIN_TOKEN_LENGTH = 16;

/**
 * The configured token, or the one in tokenFile, created (0600) on first start
 * so that a single-machine install is authenticated without any set-up.
 */
export function resolveAuthToken(configured: string, tokenFile: string): string {
  if (configured !== '') {
    if (configured.length < MIN_TOKEN_LENGTH) {
      throw new Error(`server.authToken must be at least ${MIN_TOKEN_LENGTH} characters`);
    }
    return configured;
  }
  if (existsSync(tokenFile)) {
    const stored = readFileSync(tokenFile, 'utf8').trim();
    if (stored.length >= MIN_TOKEN_LENGTH) return stored;
  }
  mkdirSync(dirname(tokenFile), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  return token;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time comparison of an Authorization header with the expected bearer token. */
export function isAuthorized(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length).trim()), digest(token));
}
