import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { adminKey } from '../access/api-keys.js';
import { apiKeyAuth } from '../access/auth-plugin.js';
import { UI_PREFIX, UI_PUBLIC_PATHS } from '../public-paths.js';
import { uiPlugin } from './ui-plugin.js';

const TOKEN = 'k'.repeat(32);

function bundle(): string {
  const directory = mkdtempSync(join(tmpdir(), 'stallscope-ui-'));
  writeFileSync(join(directory, 'index.html'), '<!doctype html><script type="module" src="app-ABCD2345.js"></script>');
  writeFileSync(join(directory, 'app-ABCD2345.js'), 'console.log(1)');
  writeFileSync(join(directory, 'notes.txt'), 'not served');
  return directory;
}

/** The UI under the same authentication as the API, as the server mounts it. */
async function appWith(directory: string, jaegerUiUrl = ''): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(apiKeyAuth, { keys: new Map([adminKey(TOKEN, 100)]), publicPaths: new Set(UI_PUBLIC_PATHS), anyKeyPathPrefixes: [] });
  await app.register(uiPlugin, { prefix: UI_PREFIX, directory, jaegerUiUrl });
  await app.ready();
  return app;
}

test('the page revalidates on every load, the hashed bundle is cached for good, both without a key', async () => {
  const app = await appWith(bundle());
  const page = await app.inject({ url: '/ui/' });
  assert.equal(page.statusCode, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  assert.match(page.body, /app-ABCD2345\.js/);
  const again = await app.inject({ url: '/ui/', headers: { 'if-none-match': String(page.headers.etag) } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');

  const script = await app.inject({ url: '/ui/app-ABCD2345.js' });
  assert.equal(script.statusCode, 200);
  assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(script.body, 'console.log(1)');

  const bare = await app.inject({ url: '/ui' });
  assert.equal(bare.statusCode, 302);
  assert.equal(bare.headers.location, '/ui/');
});

test('files outside the bundle are 404 with a JSON message; paths out of the folder do not match', async () => {
  const app = await appWith(bundle());
  const unknown = await app.inject({ url: '/ui/notes.txt' });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { error: { code: 'UI_FILE_NOT_FOUND', message: 'no UI file notes.txt' } });
  const escape = await app.inject({ url: '/ui/..%2Fpackage.json' });
  assert.equal(escape.statusCode, 400);
  assert.equal(escape.json().error.code, 'INVALID_PARAMETER');
});

test('the settings need the key and say where traces link to', async () => {
  const app = await appWith(bundle(), 'http://jaeger:16686');
  assert.equal((await app.inject({ url: '/ui/settings.json' })).statusCode, 401);
  const settings = await app.inject({ url: '/ui/settings.json', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(settings.statusCode, 200);
  assert.deepEqual(settings.json(), { jaegerUiUrl: 'http://jaeger:16686' });
});

test('a server built without the UI says so instead of failing', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'stallscope-ui-'));
  mkdirSync(join(empty, 'nothing'));
  const app = await appWith(empty);
  const page = await app.inject({ url: '/ui/' });
  assert.equal(page.statusCode, 503);
  assert.equal(page.json().error.code, 'UI_NOT_BUILT');
});
