// Runs every compiled test (`*.test.js` under a workspace's dist/) with Node's
// built-in runner, one file at a time: the end-to-end suites share the kernel
// and start brokers, so they must not overlap.
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
