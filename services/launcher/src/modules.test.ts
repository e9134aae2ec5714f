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
const [target, dataDir, alsoImport, tracesEndpoint] = process.argv.slice(1);
const { createLogger, createMetricsRegistry } = await import('@stallscope/common');
const { launcherConfigDefaults } = await import(${JSON.stringify(new URL('./config.js', import.meta.url).href)});
const { parseTargets, resolveModules } = await import(${JSON.stringify(new URL('./module-manager.js', import.meta.url).href)});
const { moduleInits } = await import(${JSON.stringify(new URL('./modules.js', import.meta.url).href)});
const { startSelfTracingIfOn } = await import(${JSON.stringify(new URL('./self-tracing-switch.js', import.meta.url).href)});
const context = {
  config: { ...launcherConfigDefaults, dataDir, target, selfTracing: { ...launcherConfigDefaults.selfTracing, tracesEndpoint } },
  logger: createLogger('silent'),
  metrics: createMetricsRegistry(),
  built: {},
  fail: (error) => { throw error; },
};
const selfTracing = await startSelfTracingIfOn(context.config, context.logger);
for (const name of resolveModules(parseTargets(target))) await moduleInits[name](context);
await selfTracing?.stop();
if (alsoImport) await import(alsoImport);
console.log(JSON.stringify(loaded));
`;

/**
 * Every file URL a process loads while it initialises `target`'s modules (and
 * imports `alsoImport`), self-tracing on when tracesEndpoint is set, as main.ts does.
 */
function filesLoadedBy(target: string, alsoImport = '', tracesEndpoint = ''): string[] {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-modules-'));
  try {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE, target, dataDir, alsoImport, tracesEndpoint], {
      // Bare specifiers in the probe resolve from this package, as the launcher's own do.
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as string[];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const chdbIn = (files: string[]) => files.some((url) => url.includes('/chdb/'));

/** The server-side packages whose entry point (all their code) a process loaded; their config modules alone do not count. */
const serverSidePackagesIn = (files: string[]) =>
  ['collector', 'ingest', 'query-api', 'store'].filter((name) => files.some((url) => url.endsWith(`/services/${name}/dist/index.js`)));

test('the agent target never loads the embedded ClickHouse engine, nor the server-side packages beyond their config', () => {
  const files = filesLoadedBy('agent');
  assert.equal(chdbIn(files), false, 'chdb was loaded by --target agent');
  assert.deepEqual(serverSidePackagesIn(files), [], '--target agent loaded server-side packages');
});

test('the probe sees chdb and the server-side packages when they are loaded', () => {
  assert.equal(chdbIn(filesLoadedBy('agent', 'chdb/connection')), true);
  assert.deepEqual(serverSidePackagesIn(filesLoadedBy('agent', '@stallscope/query-api')), ['query-api']);
  assert.deepEqual(serverSidePackagesIn(filesLoadedBy('ingest')), ['ingest', 'store']);
});

const otelSdkIn = (files: string[]) => files.some((url) => url.includes('/@opentelemetry/sdk-node/'));

test('with self-tracing off (the default) no target loads the OpenTelemetry SDK, and with it on the probe sees it', () => {
  assert.equal(otelSdkIn(filesLoadedBy('agent')), false, '--target agent loaded the OpenTelemetry SDK');
  assert.equal(otelSdkIn(filesLoadedBy('ingest')), false, '--target ingest loaded the OpenTelemetry SDK');
  // An endpoint nobody listens on: with no span ended, nothing is sent.
  assert.equal(otelSdkIn(filesLoadedBy('agent', '', 'http://127.0.0.1:9')), true);
});
