// The project's test runner (scripts/run-tests.mjs) over a throwaway workspace:
// with CI=true a skipped test fails the run, elsewhere it only prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './fixtures/repo.js';

function runnerOver(testSource: string, ci: boolean): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-runner-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ workspaces: ['pkg'] }));
    mkdirSync(join(dir, 'pkg', 'dist'), { recursive: true });
    writeFileSync(join(dir, 'pkg', 'dist', 'sample.test.js'), testSource);
    // Not the outer runner's child context: the sample run is a run of its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CI' && !name.startsWith('NODE_TEST')));
    if (ci) env.CI = 'true';
    const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'run-tests.mjs')], { cwd: dir, env, encoding: 'utf8' });
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const withSkip = `import { test } from 'node:test';
test('needs a broker', { skip: 'no broker here' }, () => {});
test('runs', () => {});
`;

test('CI=true turns a skipped test into a failed run, naming the test and its reason', () => {
  const { status, output } = runnerOver(withSkip, true);
  assert.equal(status, 1);
  assert.match(output, /tests were skipped/);
  assert.match(output, /needs a broker: no broker here/);
});

test('outside CI a skip is reported and the run passes', () => {
  const { status, output } = runnerOver(withSkip, false);
  assert.equal(status, 0, output);
  assert.match(output, /skipped 1/);
});

test('with CI=true a run without skips passes', () => {
  const { status, output } = runnerOver(`import { test } from 'node:test';\ntest('runs', () => {});\n`, true);
  assert.equal(status, 0, output);
});
