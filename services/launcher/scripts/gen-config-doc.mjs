// Rewrites docs/configuration.md from the config schemas (build first: npx tsc -b).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConfigurationDoc } from '../dist/config-doc.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
writeFileSync(join(repoRoot, 'docs', 'configuration.md'), renderConfigurationDoc(repoRoot));
