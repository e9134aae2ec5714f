// A traced request and the syscall it blocked in, end to end: an application
// instrumented with the OpenTelemetry Node SDK (src/programs/traced-request.ts)
// blocks in read() on a pipe inside one of its spans and exports its spans over
// OTLP gRPC to the all-in-one's collector, which puts them on the spans topic;
// the all-in-one stallscope over Kafka traces the same process with BPF. The query API must serve the trace with that read as a
// kernel child of the span it blocked.
// Starts: one Kafka broker, one stallscope process (--target all, Kafka
// transport), the traced-request program.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpanAttr } from '@stallscope/schemas';
import type { TraceResponse } from '@stallscope/query-api';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const run = promisify(execFile);
const skipReason = bpfSkipReason() ?? kafkaSkipReason();
if (skipReason) console.log(`skipping traces-with-kernel-activity e2e: ${skipReason}`);

interface TracedRequest {
  pid: number;
  traceId: string;
  requestSpanId: string;
  waitSpanId: string;
  readNs: number;
}

let broker: KafkaBroker | undefined;
let stallscope: StallscopeProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-traces-e2e-'));

before(async () => {
  if (skipReason) return;
  broker = await startKafkaBroker();
  stallscope = await startStallscope(
    'all',
    { STALLSCOPE_TRANSPORT_KIND: 'kafka', STALLSCOPE_TRANSPORT_KAFKA_BROKERS: broker.brokers.join(','), STALLSCOPE_AGENT_INTERVAL_MS: '1000' },
    dataDir,
  );
});

after(async () => {
  if (stallscope) assert.equal(await stallscope.stop(), 0, 'stallscope exits cleanly on SIGTERM');
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function getJson<Body>(path: string): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${stallscope!.url}${path}`, { headers: { authorization: `Bearer ${stallscope!.token}` } });
  return { status: response.status, body: (await response.json()) as Body };
}

type OtlpSpan = TraceResponse['resourceSpans'][number]['scopeSpans'][number]['spans'][number];
const spansOf = (body: TraceResponse): OtlpSpan[] => body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const attribute = (span: OtlpSpan, key: string) => span.attributes.find((kv) => kv.key === key)?.value;

/**
 * Waits until the agent's figures reach the query API: right after "stallscope
 * ready" the agent can still miss a process that starts and ends at once (seen
 * with a 1 s program run straight after ready, which left no data at all).
 */
async function agentReporting(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { body } = await getJson<{ rows: unknown[] }>('/v1/syscalls/top?by=service&includeIdle=true&limit=1');
    if (body.rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`the agent reported nothing within ${timeoutMs} ms`);
}

/** Polls the trace until the read under the wait span is there (the agent exports each interval) or the deadline. */
async function traceWithKernelRead(traced: TracedRequest, serviceName: string, timeoutMs = 60_000): Promise<TraceResponse> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const { status, body } = await getJson<TraceResponse>(`/v1/traces/${traced.traceId}`);
    last = body;
    if (status === 200 && spansOf(body).some((span) => span.name === 'read' && span.parentSpanId === traced.waitSpanId)) return body;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const operations = await getJson(`/api/services/${encodeURIComponent(serviceName)}/operations`);
  const top = await getJson(`/v1/syscalls/top?by=service&includeIdle=true&limit=50`);
  throw new Error(
    `no kernel read under the wait span within ${timeoutMs} ms; last answer: ${JSON.stringify(last)}; ` +
      `the service's operations: ${JSON.stringify(operations.body)}; syscalls by service: ${JSON.stringify(top.body)}`,
  );
}

test('a traced request that blocks in read() comes back with the read as a kernel child span', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const serviceName = `e2e-traced-${randomUUID().slice(0, 8)}`;
  await agentReporting();
  const program = join(import.meta.dirname, 'programs', 'traced-request.js');
  const { stdout } = await run(process.execPath, [program, stallscope!.otlpGrpc!, serviceName], {
    timeout: 60_000,
  });
  const traced = JSON.parse(stdout) as TracedRequest;
  t.diagnostic(`trace ${traced.traceId}: the read blocked ${traced.readNs / 1e6} ms`);
  assert.ok(traced.readNs > 20e6, `the read blocked ${traced.readNs} ns, past the 10 ms slow threshold`);

  const body = await traceWithKernelRead(traced, serviceName);
  const spans = spansOf(body);
  const app = spans.filter((span) => attribute(span, SpanAttr.kernelDerived) === undefined);
  // The store returns a trace's spans in no set order: compare them sorted by name.
  assert.deepEqual(
    app.map((span) => [span.name, span.spanId, span.parentSpanId]).sort(),
    [
      ['handle request', traced.requestSpanId, ''],
      ['wait for feeder', traced.waitSpanId, traced.requestSpanId],
    ],
  );
  const kernel = spans.filter((span) => attribute(span, SpanAttr.kernelDerived) !== undefined);
  const reads = kernel.filter((span) => span.name === 'read' && span.parentSpanId === traced.waitSpanId);
  assert.equal(reads.length, 1, `one blocking read under the wait span: ${JSON.stringify(kernel.map((span) => [span.name, span.parentSpanId]))}`);
  const read = reads[0]!;
  assert.equal(read.traceId, traced.traceId);
  assert.deepEqual(attribute(read, SpanAttr.kernelDerived), { boolValue: true });
  assert.deepEqual(attribute(read, SpanAttr.waitClass), { stringValue: 'ipc' });
  const readDurationNs = Number(BigInt(read.endTimeUnixNano) - BigInt(read.startTimeUnixNano));
  // The program's own timing wraps the call (and, on a busy machine, its event loop's delays): the
  // kernel's figure is at most that, and most of it.
  assert.ok(
    readDurationNs <= traced.readNs + 1e6 && readDurationNs >= 0.85 * traced.readNs,
    `the kernel saw ${readDurationNs} ns, the program measured ${traced.readNs} ns`,
  );
  for (const resourceSpans of body.resourceSpans) {
    const pid = resourceSpans.resource.attributes.find((kv) => kv.key === 'process.pid')?.value;
    assert.deepEqual(pid, { intValue: String(traced.pid) }, 'every span, kernel or not, is of the program');
  }

  // The same trace through the Jaeger route.
  const jaeger = await getJson<{ data: { spans: { operationName: string; references: { refType: string; spanID: string }[]; tags: { key: string; value: unknown }[]; duration: number }[] }[] }>(
    `/api/traces/${traced.traceId}`,
  );
  assert.equal(jaeger.status, 200);
  const jaegerRead = jaeger.body.data[0]?.spans.find((span) => span.operationName === 'read' && span.references[0]?.spanID === traced.waitSpanId);
  assert.ok(jaegerRead, 'the read is in the Jaeger trace');
  assert.deepEqual(jaegerRead.references, [{ refType: 'CHILD_OF', traceID: traced.traceId, spanID: traced.waitSpanId }]);
  assert.deepEqual(jaegerRead.tags.find((tag) => tag.key === SpanAttr.kernelDerived), { key: SpanAttr.kernelDerived, type: 'bool', value: true });
  assert.equal(jaegerRead.duration, Math.floor(readDurationNs / 1000));
  // What a user gets back, for the record: every span with its parent, duration and the read's tags.
  t.diagnostic(
    `GET /api/traces/${traced.traceId}: ${JSON.stringify(
      jaeger.body.data[0]?.spans.map((span) => ({
        operationName: span.operationName,
        parent: span.references[0]?.spanID ?? null,
        durationUs: span.duration,
        ...(span === jaegerRead ? { tags: span.tags } : {}),
      })),
    )}`,
  );
});
