// All-in-one path: `stallscope --target all` (agent + ingest + query API, in-process
// transport, embedded chDB) in one process; real BPF on this kernel; the blocker
// workload as the traced service. Starts: one stallscope process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { runBlocker } from './fixtures/workload.js';
import { assertBlockerReported } from './fixtures/blocker-assertions.js';

const skipReason = bpfSkipReason();
if (skipReason) console.log(`skipping all-in-one e2e: ${skipReason}`);

let dataDir = '';
let stallscope: StallscopeProcess | undefined;

before(async () => {
  if (skipReason) return;
  dataDir = mkdtempSync(join(tmpdir(), 'stallscope-aio-'));
  stallscope = await startStallscope(
    'all',
    { STALLSCOPE_AGENT_INTERVAL_MS: '1000' },
    dataDir,
  );
});

after(async () => {
  if (stallscope) assert.equal(await stallscope.stop(), 0, 'stallscope exits cleanly on SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('all-in-one: the banner prints the query API URL and an example', { skip: skipReason }, () => {
  const banner = stallscope!.banner.join('\n');
  assert.match(banner, new RegExp(`stallscope query API: ${stallscope!.url.replace(/[.]/g, '\\.')}`));
  assert.match(banner, /curl .*\/v1\/syscalls\/top\?window=15m/);
});

test('all-in-one: requests without the bearer token are refused', { skip: skipReason }, async () => {
  const response = await fetch(`${stallscope!.url}/v1/syscalls/top?window=15m`);
  assert.equal(response.status, 401);
  assert.equal((await fetch(`${stallscope!.url}/healthz`)).status, 200);
});

test('all-in-one: a blocking workload shows up with its blocked seconds', { skip: skipReason, timeout: 120_000 }, async () => {
  const serviceName = `e2e-aio-${randomUUID().slice(0, 8)}`;
  const measured = await runBlocker(10_000, serviceName);
  await assertBlockerReported(stallscope!.url, stallscope!.token, serviceName, measured);
});

test('all-in-one: /metrics exposes the agent and ingest counters', { skip: skipReason }, async () => {
  const response = await fetch(`${stallscope!.url}/metrics`, { headers: { authorization: `Bearer ${stallscope!.token}` } });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(text, /stallscope_agent_loader_records_total\{type="snapshot-end"\} [1-9]/);
  assert.match(text, /stallscope_ingest_rows_inserted_total\{table="otel_metrics_exponential_histogram"\} [1-9]/);
});

/**
 * The nice value of each thread of a process (field 19 of /proc/PID/task/TID/stat),
 * but the embedded engine's MemoryWorker: ClickHouse raises that thread's own
 * priority so that its memory accounting keeps up under load.
 */
function threadNiceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .filter((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'MemoryWorker')
    .map((tid) => readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))
    // Fields counted after the last ')': comm may hold spaces and parentheses.
    .map((stat) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
}

test('all-in-one: the process and its loader yield the CPU (agent.niceness, 10 by default)', { skip: skipReason }, () => {
  const pid = stallscope!.child.pid!;
  const launcher = threadNiceValues(pid);
  assert.ok(launcher.length > 4 && launcher.every((nice) => nice === 10), `every thread of the launcher at 10: ${launcher}`);
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number));
  const loader = children.find((child) => readFileSync(`/proc/${child}/comm`, 'utf8').trim().startsWith('stallscope-load'));
  assert.ok(loader, `the loader among the launcher's children: ${children}`);
  assert.deepEqual(threadNiceValues(loader), threadNiceValues(loader).map(() => 10), 'every thread of the loader at 10');
});
