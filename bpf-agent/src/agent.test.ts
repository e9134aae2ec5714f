// Real kernel: the agent runs the built stallscope-loader; the transport is a
// recording fake (the boundary), the traced process a real `sleep`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger, createMetricsRegistry } from '@stallscope/common';
import { SelfSpan, SelfSpanAttr, Topics } from '@stallscope/schemas';
import type { TransportMessage, TransportProducer } from '@stallscope/transport';
import { createAgent } from './agent.js';
import { agentConfigDefaults } from './config.js';
import { defaultLoaderPath } from './loader/default-loader-path.js';

const skipReason =
  process.getuid?.() !== 0
    ? 'needs root to load BPF programs'
    : existsSync(defaultLoaderPath())
      ? undefined
      : `loader not built (${defaultLoaderPath()})`;
if (skipReason) console.log(`skipping agent tests: ${skipReason}`);

function recordingProducer(): TransportProducer & { sent: Array<{ topic: string; message: TransportMessage }> } {
  const sent: Array<{ topic: string; message: TransportMessage }> = [];
  return {
    sent,
    async start() {},
    async stop() {},
    async send(topic, messages) {
      for (const message of messages) sent.push({ topic, message });
    },
  };
}

test('agent lifecycle: stop before start, and stop twice', { skip: skipReason }, async () => {
  const deps = { logger: createLogger('silent'), metrics: createMetricsRegistry(), producer: recordingProducer() };
  await createAgent(agentConfigDefaults, deps).stop();
  const agent = createAgent({ ...agentConfigDefaults, intervalMs: 200 }, deps);
  await agent.start();
  await agent.stop();
  await agent.stop();
});

test('a broken service rules file fails the agent at creation, naming the file and the rule', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, '- match: { exe: java }\n  servce: typo\n');
  const deps = { logger: createLogger('silent'), metrics: createMetricsRegistry(), producer: recordingProducer() };
  assert.throws(() => createAgent({ ...agentConfigDefaults, serviceRulesFile: file }, deps), {
    name: 'ServiceRulesError',
    message: `service rules file ${file}: rule 1: unknown key "servce" (known: match, service, attributes)`,
  });
});

test('a malformed cgroup scope fails the agent at creation, saying why', () => {
  const deps = { logger: createLogger('silent'), metrics: createMetricsRegistry(), producer: recordingProducer() };
  assert.throws(() => createAgent({ ...agentConfigDefaults, cgroupScope: 'fleet/host-a' }, deps), {
    name: 'CgroupScopeError',
    message: 'cgroup scope "fleet/host-a": the path must start with / (as in /proc/PID/cgroup)',
  });
});

test('agent exports syscall histograms per service and spans for slow syscalls', { skip: skipReason, timeout: 30_000 }, async () => {
  const producer = recordingProducer();
  const metrics = createMetricsRegistry();
  const agent = createAgent(
    { ...agentConfigDefaults, intervalMs: 300, slowSyscallThresholdMs: 100, slowSpansForIdleSyscalls: true },
    { logger: createLogger('silent'), metrics, producer },
  );
  await agent.start();
  const serviceName = `agent-test-${randomUUID().slice(0, 8)}`;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('sleep', ['0.5'], { env: { ...process.env, OTEL_SERVICE_NAME: serviceName } });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    await agent.stop();
  }
  const carrying = (topic: string) =>
    producer.sent.filter((entry) => entry.topic === topic && entry.message.value.includes(serviceName));
  const metricMessages = carrying(Topics.metrics);
  assert.ok(metricMessages.length >= 1, 'a metrics request names the service');
  assert.ok(metricMessages.some((entry) => entry.message.value.includes('clock_nanosleep')));
  assert.ok(!metricMessages.some((entry) => entry.message.value.includes(`process.pid`)), 'metric resources carry no pid');
  const spanMessages = carrying(Topics.spans);
  assert.ok(spanMessages.length >= 1, 'the 500 ms sleep became a span');
  assert.ok(spanMessages.some((entry) => entry.message.value.includes('process.pid')));
  const exposition = await metrics.metrics();
  assert.match(exposition, /stallscope_agent_exported_requests_total\{signal="metrics"\} [1-9]/);
});

test('with self-tracing on, each interval is one span with the records read and the messages sent', { skip: skipReason, timeout: 30_000 }, async () => {
  const selfSpans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(selfSpans)] }));
  const producer = recordingProducer();
  const metrics = createMetricsRegistry();
  const agent = createAgent({ ...agentConfigDefaults, intervalMs: 300 }, { logger: createLogger('silent'), metrics, producer });
  try {
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await agent.stop();
  } finally {
    trace.disable();
  }
  const intervals = selfSpans.getFinishedSpans().filter((span) => span.name === SelfSpan.agentInterval);
  assert.ok(intervals.length >= 3, `${intervals.length} interval spans in 1.2 s of 300 ms intervals`);
  const sum = (key: string) => intervals.reduce((total, span) => total + Number(span.attributes[key]), 0);
  assert.equal(sum(SelfSpanAttr.messages), producer.sent.length, 'the spans count every message the agent sent');
  assert.ok(sum(SelfSpanAttr.pointsEmitted) > 0, "the host's syscalls made data points");
  // The stop flushes a last interval, so every record read is in some interval's span.
  const records = await metrics.getSingleMetric('stallscope_agent_loader_records_total')!.get();
  assert.equal(sum(SelfSpanAttr.records), records.values.reduce((total, { value }) => total + value, 0));
});
