// Process identity from the first instruction, end to end through the
// all-in-one process: a process that lives ~40 ms is named by its executable,
// and the secrets on its command line are found nowhere in the store.
// Starts: one stallscope process, a C workload built here; afterwards opens the
// stopped process's embedded ClickHouse data to search every table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createLogger } from '@stallscope/common';
import { ResourceAttr } from '@stallscope/schemas';
import { createStore, storeConfigDefaults } from '@stallscope/store';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { builtWorkload } from './fixtures/class-workloads.js';
import { fetchTop, settledTop } from './fixtures/query-api-client.js';
import { startStallscope } from './fixtures/stallscope-process.js';

const skipReason = bpfSkipReason();
if (skipReason) console.log(`skipping process identity e2e: ${skipReason}`);

const SECRETS = ['hunter2-pw', 's3cr3t-tok', 'k3y-material'];

test('a 40 ms process is named, and its command-line secrets never reach the store', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-identity-'));
  try {
    const stallscope = await startStallscope('all', { STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, dataDir);
    const serviceName = `shortlived-${randomUUID().slice(0, 8)}`;
    const exe = join(mkdtempSync(join(tmpdir(), 'stallscope-shortlived-')), serviceName);
    copyFileSync(builtWorkload('shortlived.c'), exe);
    let lifetimeMs = 0;
    try {
      const started = performance.now();
      const child = spawn(exe, [`--password=${SECRETS[0]}`, '--token', SECRETS[1]!, `--api-key=${SECRETS[2]}`], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        stdio: 'ignore',
      });
      const [code] = (await once(child, 'exit')) as [number];
      lifetimeMs = performance.now() - started;
      assert.equal(code, 0);
      t.diagnostic(`${serviceName} lived ${lifetimeMs.toFixed(1)} ms`);
      // The program itself runs ~35 ms; spawning it on a loaded machine may add more.
      assert.ok(lifetimeMs < 1000, `the process is short-lived (${lifetimeMs.toFixed(1)} ms)`);

      const rows = await settledTop(
        stallscope.url,
        stallscope.token,
        { window: '15m', by: 'syscall', service: serviceName, limit: '50' },
        (found) => found.some((row) => row.syscall === 'read' && row.waitClass === 'ipc'),
        60_000,
      );
      if (!rows.some((row) => row.syscall === 'read' && row.waitClass === 'ipc')) {
        const services = await fetchTop(stallscope.url, stallscope.token, { window: '15m', by: 'service', limit: '100', includeIdle: 'true' });
        t.diagnostic(`services seen: ${[...new Set(services.map((row) => row.service))].join(', ')}`);
      }
      assert.ok(
        rows.some((row) => row.syscall === 'read' && row.waitClass === 'ipc'),
        `the process is reported under its own name, not unknown_service: ${JSON.stringify(rows)}`,
      );
    } finally {
      assert.equal(await stallscope.stop(), 0);
    }

    // The process is stopped: its embedded engine's data can be opened here.
    const store = createStore({ ...storeConfigDefaults, chdbPath: join(dataDir, 'chdb') }, { logger: createLogger('warn') });
    await store.start();
    try {
      const spans = await store.client.query({
        query: `SELECT ResourceAttributes FROM otel_traces WHERE ServiceName = {service:String}`,
        query_params: { service: serviceName },
        format: 'JSONEachRow',
      });
      const resources = (await spans.json()) as { ResourceAttributes: Record<string, string> }[];
      assert.ok(resources.length > 0, 'its slow read became a span');
      const commandLine = resources[0]!.ResourceAttributes[ResourceAttr.processCommandLine] ?? '';
      t.diagnostic(`command line on the span: ${commandLine}`);
      assert.match(commandLine, /--password=REDACTED/);

      const tables = (await (
        await store.client.query({ query: 'SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT IN (\'MaterializedView\')', format: 'JSONEachRow' })
      ).json()) as { name: string }[];
      for (const { name } of tables) {
        for (const secret of SECRETS) {
          const found = await store.client.query({
            query: `SELECT count() AS n FROM ${name} WHERE positionCaseInsensitive(toString(tuple(*)), {secret:String}) > 0`,
            query_params: { secret },
            format: 'JSONEachRow',
          });
          const [{ n }] = (await found.json()) as [{ n: string }];
          assert.equal(Number(n), 0, `table ${name} holds the secret ${secret}`);
        }
      }
    } finally {
      await store.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
