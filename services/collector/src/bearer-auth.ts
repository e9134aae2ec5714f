import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Whether an Authorization header value carries the bearer token, compared in
 * constant time; with no token configured every request passes.
 */
export function bearerAuthorized(header: string | undefined, token: string): boolean {
  if (token === '') return true;
  if (!header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length).trim()), digest(token));
}
