// The project's test runner (scripts/run-tests.mjs) over a throwaway workspace:
// with CI=true a skipped test fails the run, elsewhere it only prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './fixtures/repo.js';

/** A run over test files (name -> source); ended by SIGKILL after `timeoutMs`, which a run that hangs reaches. */
function runnerOver(
  testSources: string | Record<string, string>,
  ci: boolean,
  timeoutMs = 120_000,
): { status: number | null; signal: NodeJS.Signals | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-runner-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ workspaces: ['pkg'] }));
    mkdirSync(join(dir, 'pkg', 'dist'), { recursive: true });
    const files = typeof testSources === 'string' ? { 'sample.test.js': testSources } : testSources;
    for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, 'pkg', 'dist', name), source);
    // Not the outer runner's child context: the sample run is a run of its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'CI' && !name.startsWith('NODE_TEST')));
    if (ci) env.CI = 'true';
    const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'run-tests.mjs')], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    return { status: result.status, signal: result.signal, output: result.stdout + result.stderr };
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

test('a test that times out while its body still runs fails its file, and the run goes on to the next file and ends', () => {
  // The body outlives its timeout and keeps the file's event loop busy: without the
  // runner forcing each file's exit once its tests have ended, the run never ends.
  const loopsOn = `import { test } from 'node:test';
test('waits for a hello that never comes', { timeout: 300 }, async () => {
  for (;;) await new Promise((resolve) => setTimeout(resolve, 20));
});
`;
  const passes = `import { test } from 'node:test';\ntest('the next file runs', () => {});\n`;
  const { status, signal, output } = runnerOver({ 'a-loops.test.js': loopsOn, 'b-passes.test.js': passes }, false, 30_000);
  assert.equal(signal, null, `the run was still going after 30 s:\n${output}`);
  assert.equal(status, 1, output);
  assert.match(output, /waits for a hello that never comes/);
  assert.match(output, /test timed out after 300ms/);
  assert.match(output, /✔ the next file runs/);
});
