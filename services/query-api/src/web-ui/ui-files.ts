import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** One file of the bundled web UI, held in memory (the whole bundle is a few hundred kB). */
export interface UiFile {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The build names bundles name-HASH.ext (esbuild's [name]-[hash]): their content never changes under that name. */
const CONTENT_ADDRESSED = /-[A-Z0-9]{8}\.(js|css)$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current bundles: the browser asks again each time (a 304 when unchanged). */
const REVALIDATE = 'no-cache';

/** The bundle's files by name, or undefined when the UI was not built. */
export function readUiFiles(directory: string): Map<string, UiFile> | undefined {
  if (!existsSync(join(directory, 'index.html'))) return undefined;
  const files = new Map<string, UiFile>();
  for (const name of readdirSync(directory)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    const body = readFileSync(join(directory, name));
    files.set(name, {
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: CONTENT_ADDRESSED.test(name) ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}
