// Rewrites the generated rule table of docs/wait-classes.md from the rules.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES_BEGIN, RULES_END, renderWaitClassRules } from '../dist/wait-class-doc.js';

const page = join(import.meta.dirname, '..', '..', 'docs', 'wait-classes.md');
const text = readFileSync(page, 'utf8');
const begin = text.indexOf(RULES_BEGIN);
const end = text.indexOf(RULES_END);
if (begin < 0 || end < 0) throw new Error(`${page} has no generated rules section`);
writeFileSync(page, text.slice(0, begin) + renderWaitClassRules() + text.slice(end + RULES_END.length));
