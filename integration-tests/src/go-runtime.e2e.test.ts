// The Go runtime signal end to end through the all-in-one process (agent +
// ingest + query API over chDB): a Go workload that forces a GC every 100 ms,
// starts 1,000 goroutines a second and makes goroutines wait on a contended
// sync.Mutex measures itself, and GET /v1/diagnose/{service} must say the same.
// Starts: one stallscope process (agent signals: process and goruntime) and the goruntime signal's Go workload
// (bpf-agent/signals/goruntime/test-fixtures/go-workload.go, built here).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { repoRoot } from './fixtures/repo.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const skipReason =
  bpfSkipReason() ?? (spawnSync('go', ['version']).error ? 'no Go toolchain to build the Go workload' : undefined);
if (skipReason) console.log(`skipping Go runtime e2e: ${skipReason}`);

const WORKLOAD_SECONDS = 4;
/** Time the agent has to see the exec and probe the binary before the workload starts measuring. */
const START_MS = 1500;
const SETTLE_TIMEOUT_MS = 90_000;

interface WorkloadReport {
  seconds: number;
  goroutinesCreated: number;
  gcCycles: number;
  gcPauses: number;
  mutexWaitSeconds: number;
  channelWaitSeconds: number;
}

interface GoRuntime {
  gcPauses: number;
  gcCycles: number;
  goroutinesCreated: number;
  goroutinesCreatedPerSecond: number;
  goroutineCreationAlarm: boolean;
  topWaitReasons: { waitReason: string; blockedSeconds: number; parks: number }[];
  parkStacks: { stack: string; waitReason: string; parkedSeconds: number }[];
}

let dataDir = '';
let stallscope: StallscopeProcess | undefined;

before(async () => {
  if (skipReason) return;
  dataDir = mkdtempSync(join(tmpdir(), 'stallscope-goruntime-e2e-'));
  // Only the signals this suite reads: the syscall and off-CPU streams of a busy test host would be most of the work.
  stallscope = await startStallscope(
    'all',
    {
      STALLSCOPE_AGENT_INTERVAL_MS: '1000',
      STALLSCOPE_AGENT_SIGNALS_SYSCALLS: 'false',
      STALLSCOPE_AGENT_SIGNALS_OFFCPU: 'false',
      STALLSCOPE_AGENT_SIGNALS_TCP: 'false',
      STALLSCOPE_AGENT_GO_RUNTIME_GOROUTINES: 'true',
      STALLSCOPE_AGENT_GO_RUNTIME_WAITS: 'true',
    },
    dataDir,
  );
});

after(async () => {
  if (stallscope) assert.equal(await stallscope.stop(), 0, 'stallscope exits cleanly on SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function buildWorkload(): string {
  const out = join(dataDir, 'go-workload');
  const cache = join(repoRoot, '.cache', 'go-build');
  mkdirSync(cache, { recursive: true });
  execFileSync('go', ['build', '-o', out, join(repoRoot, 'bpf-agent', 'signals', 'goruntime', 'test-fixtures', 'go-workload.go')], {
    cwd: dataDir,
    env: { ...process.env, GOCACHE: cache, GO111MODULE: 'off', GOTOOLCHAIN: 'local' },
  });
  return out;
}

function runWorkload(executable: string, serviceName: string): Promise<WorkloadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, [String(WORKLOAD_SECONDS), String(START_MS)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OTEL_SERVICE_NAME: serviceName },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as WorkloadReport) : reject(new Error(`go-workload exited with ${code}`))));
  });
}

const near = (actual: number, expected: number, tolerance: number) => Math.abs(actual - expected) <= tolerance * expected;

test('diagnose of a Go service gives its GC pauses, goroutine creation rate and its mutex and channel waits as it measures them', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const serviceName = `e2e-goruntime-${randomUUID().slice(0, 8)}`;
  const report = await runWorkload(buildWorkload(), serviceName);
  const { url, token } = stallscope!;
  const mutexSeconds = (go: GoRuntime) => go.topWaitReasons.find((wait) => wait.waitReason === 'sync.Mutex.Lock')?.blockedSeconds ?? 0;
  // The process's last intervals are exported, ingested and stored a little after it exits.
  let go: GoRuntime | undefined;
  for (const deadline = Date.now() + SETTLE_TIMEOUT_MS; Date.now() < deadline; await sleep(1000)) {
    const response = await fetch(`${url}/v1/diagnose/${serviceName}?window=15m`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    go = ((await response.json()) as { goRuntime: GoRuntime }).goRuntime;
    if (go.gcCycles >= report.gcCycles && go.goroutinesCreated >= report.goroutinesCreated && mutexSeconds(go) >= 0.9 * report.mutexWaitSeconds) break;
  }
  assert.ok(go);
  t.diagnostic(`workload ${JSON.stringify(report)}`);
  t.diagnostic(`diagnose ${JSON.stringify({ ...go, parkStacks: go.parkStacks.map((stack) => [stack.waitReason, stack.parkedSeconds]) })}`);
  assert.ok(near(go.gcPauses, report.gcPauses, 0.1), `GC pauses: ${go.gcPauses}, the workload counted ${report.gcPauses}`);
  assert.ok(near(go.gcCycles, report.gcCycles, 0.1), `GC cycles: ${go.gcCycles}, the workload counted ${report.gcCycles}`);
  // The runtime's first goroutines come before the probes; the workload's are all after them.
  assert.ok(near(go.goroutinesCreated, report.goroutinesCreated, 0.1), `goroutines created: ${go.goroutinesCreated}, the workload started ${report.goroutinesCreated}`);
  assert.ok(go.goroutinesCreatedPerSecond > 0 && !go.goroutineCreationAlarm, '4,000 goroutines over a 15-minute window is no alarm');
  assert.ok(near(mutexSeconds(go), report.mutexWaitSeconds, 0.25), `mutex wait: ${mutexSeconds(go)} s, the workload measured ${report.mutexWaitSeconds} s`);
  const channelSeconds = go.topWaitReasons.find((wait) => wait.waitReason === 'chan receive')?.blockedSeconds ?? 0;
  assert.ok(near(channelSeconds, report.channelWaitSeconds, 0.25), `channel wait: ${channelSeconds} s, the workload measured ${report.channelWaitSeconds} s`);
  const ranked = go.topWaitReasons.map((wait) => wait.blockedSeconds);
  assert.deepEqual(ranked, [...ranked].sort((a, b) => b - a), 'wait reasons come most blocked first');
  assert.ok(go.parkStacks.some((stack) => stack.waitReason === 'sync.Mutex.Lock' && stack.stack.includes('main.mutexWorker')), 'the mutex waits\' goroutine stack');

  const alarmed = await fetch(`${url}/v1/diagnose/${serviceName}?window=5m`, { headers: { authorization: `Bearer ${token}` } });
  const rate = ((await alarmed.json()) as { goRuntime: GoRuntime }).goRuntime.goroutinesCreatedPerSecond;
  assert.ok(near(rate, go.goroutinesCreated / 300, 0.01), 'the rate is per second of the window');
});
