import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES_BEGIN, RULES_END, renderWaitClassRules } from './wait-class-doc.js';
import { WAIT_CLASS_RULES } from './wait-class-rules.js';

const page = join(import.meta.dirname, '..', '..', 'docs', 'wait-classes.md');

test('docs/wait-classes.md holds the current rule table (node schemas/scripts/gen-wait-class-doc.mjs)', () => {
  const text = readFileSync(page, 'utf8');
  const section = text.slice(text.indexOf(RULES_BEGIN), text.indexOf(RULES_END) + RULES_END.length);
  assert.equal(section, renderWaitClassRules());
  for (const rule of WAIT_CLASS_RULES) assert.ok(section.includes(`\`${rule.id}\``), rule.id);
});
