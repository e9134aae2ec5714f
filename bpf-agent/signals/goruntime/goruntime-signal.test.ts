// Starts (real-kernel test): the stallscope-loader with the process and
// goruntime signals, and a Go workload built from test-fixtures/go-workload.go
// that forces a GC every 100 ms, starts 1,000 goroutines a second and makes
// goroutines wait on a contended sync.Mutex and on a channel, measuring all
// of it itself (runtime/metrics and its own clocks). The signal finds the
// workload at its exec, probes its binary by symbol, and its OTel output is
// compared with what the workload measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { hrTime } from '@opentelemetry/core';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { createLogger } from '@stallscope/common';
import { GO_PARK_STACK_EVENT, GoParkLogAttr, MetricAttr, Metrics, ResourceAttr } from '@stallscope/schemas';
import { defaultLoaderPath } from '../../src/loader/default-loader-path.js';
import type { LoaderRecord } from '../../src/loader/records.js';
import { ProcessRegistry } from '../../src/process/process-registry.js';
import { SymbolizeBudget, Symbolizer } from '../../src/symbols/index.js';
import { createProcessSignal } from '../process/process-signal.js';
import { readGoBinary } from './go-binary.js';
import { createGoRuntimeSignal } from './goruntime-signal.js';
import { spawnTestLoader, type TestLoader } from '../../src/loader/fixtures/test-loader.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Sources stay beside the test in the source tree (tsc copies only .ts output to dist/). */
const workloadSource = join(here, '..', '..', '..', 'signals', 'goruntime', 'test-fixtures', 'go-workload.go');
const repoRoot = join(here, '..', '..', '..', '..');
const loaderPath = defaultLoaderPath();
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root to load BPF programs'
    : !existsSync(loaderPath)
      ? `no loader at ${loaderPath}`
      : spawnSync('go', ['version']).error
        ? 'no Go toolchain to build the Go workload'
        : undefined;

const WORKLOAD_SECONDS = 4;

interface WorkloadReport {
  seconds: number;
  goroutinesCreated: number;
  gcCycles: number;
  gcPauses: number;
  mutexWaitSeconds: number;
  channelWaitSeconds: number;
}

/** The workload built plain, or stripped as production builds often are (`-ldflags='-s -w'`: no .symtab, no DWARF). */
function buildWorkload(dir: string, stripped: boolean): string {
  const output = join(dir, 'go-workload');
  const result = spawnSync('go', ['build', ...(stripped ? ['-ldflags=-s -w'] : []), '-o', output, workloadSource], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GOCACHE: join(repoRoot, '.cache', 'go-build'), GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', GO111MODULE: 'off' },
  });
  if (result.status !== 0) throw new Error(`go build failed: ${result.stderr || result.error}`);
  return output;
}

/** Within ±tolerance (a fraction) of what the workload measured. */
function assertNear(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * expected,
    `${what}: the agent says ${actual}, the workload measured ${expected} (allowed ±${tolerance * 100}%)`,
  );
}

function metricsOf(resourceMetrics: readonly ResourceMetrics[], service: string, name: string) {
  return resourceMetrics
    .filter((rm) => rm.resource.attributes[ResourceAttr.serviceName] === service)
    .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
    .filter((metric) => metric.descriptor.name === name);
}

/** Count and sum (ns) of a histogram metric's points whose attribute is one of `values`. */
function histogramTotals(resourceMetrics: readonly ResourceMetrics[], service: string, name: string, attribute: string, values: readonly string[]) {
  let count = 0;
  let sumNs = 0;
  for (const metric of metricsOf(resourceMetrics, service, name)) {
    assert.equal(metric.dataPointType, DataPointType.EXPONENTIAL_HISTOGRAM);
    for (const point of metric.dataPoints) {
      if (!values.includes(String(point.attributes[attribute]))) continue;
      const value = point.value as { count: number; sum?: number };
      count += value.count;
      sumNs += value.sum ?? 0;
    }
  }
  return { count, sumNs };
}

function sumOf(resourceMetrics: readonly ResourceMetrics[], service: string, name: string): number {
  return metricsOf(resourceMetrics, service, name).reduce(
    (total, metric) => total + metric.dataPoints.reduce((sum, point) => sum + Number(point.value), 0),
    0,
  );
}

for (const stripped of [false, true]) {
  test(`the Go runtime of a ${stripped ? 'stripped ' : ''}workload: GC pauses and cycles, goroutine creations and mutex and channel waits as it measures them`, { skip: skipReason, timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'stallscope-goruntime-'));
    const records: LoaderRecord[] = [];
    const commands: string[] = [];
    const resourceMetrics: ResourceMetrics[] = [];
    const logRecords: ReadableLogRecord[] = [];
    let loader: TestLoader | undefined;
    try {
      const executable = buildWorkload(dir, stripped);
      const facts = readGoBinary(executable);
      assert.ok(facts, 'the workload is a Go binary');
      assert.match(facts.goVersion, /^go1\.\d+/);

      const processes = new ProcessRegistry(1000);
      const context = {
        hostName: 'test-host',
        processes,
        toUnixNs: (ns: bigint) => ns,
        command: (line: string) => {
          commands.push(line);
          loader?.command('goruntime', line);
        },
      };
      const symbolizer = new Symbolizer({ maxFiles: 16 });
      const processSignal = createProcessSignal(context);
      const signal = createGoRuntimeSignal(context, {
        parts: { gc: true, goroutines: true, waits: true },
        maxParkStacksPerService: 10,
        symbolize: (pid, addresses) => symbolizer.symbolize(pid, [...addresses]).map((frame) => frame.symbol),
        symbolizeBudget: new SymbolizeBudget(5000),
        logger: createLogger('warn'),
      });
      let intervalStart = hrTime();
      loader = spawnTestLoader({
        signals: ['process', 'goruntime'],
        intervalMs: 300,
        goParkStackSampleEvery: 4,
        onRecord: (record) => {
          records.push(record);
          if (record.type === 'process-event') processSignal.onRecord(record);
          if (signal.recordTypes.includes(record.type)) signal.onRecord(record);
          if (record.type === 'snapshot-end') {
            const endTime = hrTime();
            const output = signal.endInterval({ startTime: intervalStart, endTime });
            intervalStart = endTime;
            resourceMetrics.push(...output.resourceMetrics);
            logRecords.push(...output.logRecords);
          }
        },
      });
      await loader.hello;

      const child = spawn(executable, [String(WORKLOAD_SECONDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      assert.equal((await lines.next()).value, 'ready');
      const service = processes.lookup(child.pid!).serviceName;
      // The exec event reaches the signal, which has the loader probe the binary.
      for (let waited = 0; !commands.some((line) => line.includes(` /proc/${child.pid}/exe `)); waited += 20) {
        assert.ok(waited < 10_000, 'the workload\'s binary was not probed within 10 s');
        await sleep(20);
      }
      // Other Go programs on the host are probed too: this workload's command names its pid.
      const attach = commands.find((line) => line.includes(` /proc/${child.pid}/exe `));
      assert.match(attach ?? '', /^attach \d+ \/proc\/\d+\/exe( [1-9]\d*){6}$/, 'every probe of the workload found by symbol');
      await sleep(300); // the loader reads the command within one poll turn
      child.stdin!.write('go\n');
      const report = JSON.parse((await lines.next()).value as string) as WorkloadReport;
      await once(child, 'exit');
      // Two more snapshots: the process's last counters, then its removal.
      const seen = records.filter((r) => r.type === 'snapshot-end').length;
      while (records.filter((r) => r.type === 'snapshot-end').length < seen + 3) await sleep(50);


      const gcPauses = histogramTotals(resourceMetrics, service, Metrics.goStwDuration.name, MetricAttr.goStwReason, ['GC mark termination', 'GC sweep termination']);
      assertNear(gcPauses.count, report.gcPauses, 0.1, 'GC stop-the-world pauses');
      assert.ok(gcPauses.sumNs > 0 && gcPauses.sumNs / gcPauses.count < 50e6, `GC pauses average ${gcPauses.sumNs / gcPauses.count} ns`);
      assertNear(sumOf(resourceMetrics, service, Metrics.goGcCycles.name), report.gcCycles, 0.1, 'GC cycles');

      const created = sumOf(resourceMetrics, service, Metrics.goGoroutinesCreated.name);
      assertNear(created / report.seconds, report.goroutinesCreated / report.seconds, 0.1, 'goroutines created per second');
      assert.ok(report.goroutinesCreated / report.seconds > 900, 'the workload starts about 1,000 goroutines a second');

      const mutexWait = histogramTotals(resourceMetrics, service, Metrics.goGoroutineWaitDuration.name, MetricAttr.goWaitReason, ['sync.Mutex.Lock']);
      assertNear(mutexWait.sumNs / 1e9, report.mutexWaitSeconds, 0.25, 'seconds goroutines waited on the sync.Mutex');
      const channelWait = histogramTotals(resourceMetrics, service, Metrics.goGoroutineWaitDuration.name, MetricAttr.goWaitReason, ['chan receive']);
      assertNear(channelWait.sumNs / 1e9, report.channelWaitSeconds, 0.25, 'seconds goroutines waited to receive from the channel');

      const mutexStacks = logRecords.filter(
        (r) =>
          r.eventName === GO_PARK_STACK_EVENT &&
          r.resource.attributes[ResourceAttr.serviceName] === service &&
          r.attributes[GoParkLogAttr.waitReason] === 'sync.Mutex.Lock',
      );
      assert.ok(mutexStacks.length > 0, 'park stacks of the mutex waits');
      const heaviest = mutexStacks.sort((a, b) => Number(b.attributes[GoParkLogAttr.parkedNs]) - Number(a.attributes[GoParkLogAttr.parkedNs]))[0]!;
      assert.match(String(heaviest.body), /;main\.mutexWorker;.*Mutex\)\.lockSlow;.*;runtime\.gopark$/, 'the user stack at park time names the waiting function');
      t.diagnostic(
        `workload ${JSON.stringify(report)}; agent: GC pauses ${gcPauses.count}, created ${created}, ` +
          `mutex wait ${(mutexWait.sumNs / 1e9).toFixed(3)} s, channel wait ${(channelWait.sumNs / 1e9).toFixed(3)} s`,
      );
    } finally {
      await loader?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
