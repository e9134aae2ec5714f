// Rewrites docs/api.md from the query API's OpenAPI document (build first: npx tsc -b).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryApiOpenApi, renderApiDoc } from '../dist/api-doc.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
writeFileSync(join(repoRoot, 'docs', 'api.md'), renderApiDoc(await queryApiOpenApi()));
