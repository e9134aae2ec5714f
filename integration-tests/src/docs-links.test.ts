// The documentation as a reader follows it: every page of docs/ is linked from
// the README, and every relative link of the README, docs/ and infra/*/README.md
// names a file that exists and, with a #fragment, a heading of that page.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './fixtures/repo.js';

const docsDir = join(repoRoot, 'docs');
const pages = [
  join(repoRoot, 'README.md'),
  ...readdirSync(docsDir).filter((file) => file.endsWith('.md')).map((file) => join(docsDir, file)),
  ...readdirSync(join(repoRoot, 'infra'))
    .map((dir) => join(repoRoot, 'infra', dir, 'README.md'))
    .filter((file) => existsSync(file)),
];

/** GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchorOf(heading!)));
}

/** Markdown links outside code blocks whose target is not a URL. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target!).filter((target) => !/^[a-z]+:/.test(target));
}

test('every page of docs/ is linked from the README', () => {
  const linked = new Set(relativeLinks(join(repoRoot, 'README.md')).map((target) => target.split('#')[0]));
  const unlinked = readdirSync(docsDir)
    .filter((file) => file.endsWith('.md'))
    .filter((file) => !linked.has(`docs/${file}`));
  assert.deepEqual(unlinked, []);
});

test('every relative link names an existing file, and its #fragment a heading there', () => {
  const broken: string[] = [];
  for (const page of pages) {
    for (const target of relativeLinks(page)) {
      const [path, fragment] = target.split('#');
      const file = path === '' ? page : resolve(dirname(page), path!);
      const where = `${relative(repoRoot, page)} -> ${target}`;
      if (!existsSync(file)) broken.push(`${where}: no such file`);
      else if (fragment !== undefined && file.endsWith('.md') && !anchorsOf(file).has(fragment)) broken.push(`${where}: no such heading`);
    }
  }
  assert.deepEqual(broken, []);
});
