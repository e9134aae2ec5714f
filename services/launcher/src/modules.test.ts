import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A fresh process per check: the test runner's own process may have loaded
// anything. A load hook records every file the process loads (ESM and
// require alike), then the target's modules are initialised as main.ts does.
const PROBE = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
const [target, dataDir, alsoImport] = process.argv.slice(1);
const { createLogger, createMetricsRegistry } = await import('@stallscope/common');
const { launcherConfigDefaults } = await import(${JSON.stringify(new URL('./config.js', import.meta.url).href)});
const { parseTargets, resolveModules } = await import(${JSON.stringify(new URL('./module-manager.js', import.meta.url).href)});
const { moduleInits } = await import(${JSON.stringify(new URL('./modules.js', import.meta.url).href)});
const context = {
  config: { ...launcherConfigDefaults, dataDir },
  logger: createLogger('silent'),
  metrics: createMetricsRegistry(),
  built: {},
  fail: (error) => { throw error; },
};
for (const name of resolveModules(parseTargets(target))) await moduleInits[name](context);
if (alsoImport) await import(alsoImport);
console.log(JSON.stringify({ chdbLoaded: loaded.some((url) => url.includes('/chdb/')) }));
`;

function chdbLoadedBy(target: string, alsoImport = ''): boolean {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-modules-'));
  try {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, target, dataDir, alsoImport], {
      // Bare specifiers in the probe resolve from this package, as the launcher's own do.
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    return (JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { chdbLoaded: boolean }).chdbLoaded;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('the agent target never loads the embedded ClickHouse engine', () => {
  assert.equal(chdbLoadedBy('agent'), false, 'chdb was loaded by --target agent');
});

test('the probe sees chdb when it is loaded', () => {
  assert.equal(chdbLoadedBy('agent', 'chdb/connection'), true);
});
