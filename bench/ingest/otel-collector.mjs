// The decode anchor of bench/ingest.mjs: the real OpenTelemetry Collector
// (infra/otelcol) consuming our topics with its kafka receiver into the debug
// exporter (basic verbosity: a counter line per batch, no per-span output), so
// the figure is the receiver's fetch + OTLP decode. Its own Prometheus
// telemetry says how many spans and points it accepted.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../lib/kit.mjs';

const script = join(repoRoot, 'infra', 'otelcol', 'otelcol.sh');

export function buildCollector() {
  execFileSync('bash', [script, 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return execFileSync('bash', [script, 'path']).toString().trim();
}

/** Starts the Collector reading `topics` from the earliest offset in a fresh group. */
export function startCollector(binary, { brokers, groupId, spansTopic, metricsTopic, metricsPort }) {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-bench-otelcol-'));
  const config = {
    receivers: {
      kafka: {
        brokers,
        group_id: groupId,
        initial_offset: 'earliest',
        traces: { topics: [spansTopic], encoding: 'otlp_proto' },
        metrics: { topics: [metricsTopic], encoding: 'otlp_proto' },
      },
    },
    exporters: { debug: { verbosity: 'basic' } },
    service: {
      pipelines: {
        traces: { receivers: ['kafka'], exporters: ['debug'] },
        metrics: { receivers: ['kafka'], exporters: ['debug'] },
      },
      telemetry: {
        logs: { level: 'warn' },
        metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }] },
      },
    },
  };
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, stringify(config));
  const child = spawn(binary, ['--config', `file:${configPath}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid,
    /** Spans and metric points the kafka receiver accepted so far (0 until its telemetry is up). */
    async accepted() {
      let text;
      try {
        text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      } catch {
        return { spans: 0, points: 0 };
      }
      const sum = (name) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(name) && line.includes('receiver="kafka"'))
          .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
      return { spans: sum('otelcol_receiver_accepted_spans'), points: sum('otelcol_receiver_accepted_metric_points') };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
