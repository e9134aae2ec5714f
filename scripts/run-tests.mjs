// Runs every compiled test (`*.test.js` under a workspace's dist/) with Node's
// built-in runner, one file at a time: the end-to-end suites share the kernel
// and start brokers, so they must not overlap. With CI=true a skipped test fails
// the run: the CI machine has root, BPF and Java, so every suite must run there.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const { workspaces } = JSON.parse(readFileSync('package.json', 'utf8'));

function testsUnder(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return testsUnder(path);
    return entry.endsWith('.test.js') ? [path] : [];
  });
}

const files = workspaces.flatMap((workspace) => testsUnder(join(workspace, 'dist'))).sort();
if (files.length === 0) {
  console.error('no compiled tests found; did the build run?');
  process.exit(1);
}
const skipsDir = mkdtempSync(join(tmpdir(), 'stallscope-skips-'));
const skipsFile = join(skipsDir, 'skipped.txt');
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    // A file exits once its tests have ended: a test that timed out with its body
    // still running (a loop, an open handle) fails, but does not hold the run forever.
    '--test-force-exit',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(import.meta.dirname, 'skipped-tests-reporter.mjs')}`,
    `--test-reporter-destination=${skipsFile}`,
    ...process.argv.slice(2),
    ...files,
  ],
  { stdio: 'inherit' },
);
let skipped = '';
try {
  skipped = readFileSync(skipsFile, 'utf8');
} catch {
  // No file: the runner died before writing; its status already says so.
}
rmSync(skipsDir, { recursive: true, force: true });
if (skipped !== '' && process.env.CI === 'true') {
  console.error(`CI=true and tests were skipped (every suite must run on the CI machine):\n${skipped}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
