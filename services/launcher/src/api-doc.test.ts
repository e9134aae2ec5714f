import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { queryApiOpenApi, renderApiDoc } from './api-doc.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

test('docs/api.md is the page the OpenAPI document renders (node services/launcher/scripts/gen-api-doc.mjs)', async () => {
  assert.equal(readFileSync(join(repoRoot, 'docs', 'api.md'), 'utf8'), renderApiDoc(await queryApiOpenApi()));
});

test('the page lists every route of the document with its parameters', async () => {
  const document = await queryApiOpenApi();
  const page = renderApiDoc(document);
  for (const path of ['/v1/syscalls/top', '/v1/diagnose/{service}', '/v1/slos/{name}/report', '/api/traces/{traceID}']) {
    assert.ok(path in document.paths, `${path} in the OpenAPI document`);
    assert.match(page, new RegExp(`^## GET ${path.replace(/[{}]/g, '\\$&')}$`, 'm'));
  }
  assert.match(page, /^\| `by` \| query \| `service` \\\| `host` \\\| `container` \\\| `syscall` \\\| `waitClass` \| `service` \| no \|$/m);
  assert.match(page, /^\| `service` \| path \| string, length ≥ 1, length ≤ 256 \| — \| yes \|$/m);
});
