import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AGENT_SCOPE_NAME } from '@stallscope/schemas';
import { MAX_MESSAGE_BYTES, encodeMetricsRequests, encodeTraceRequest, encodeTraceRequests } from './otlp-encode.js';

/** The subset of the ingest's decoded model these tests read. */
interface DecodedRequests {
  decodeExportTraceServiceRequest(payload: Uint8Array): {
    resourceSpans: { resource: { attributes: { key: string }[] }; scopeSpans: { spans: { spanId: Uint8Array }[] }[] }[];
  };
  decodeExportMetricsServiceRequest(payload: Uint8Array): { resourceMetrics: { scopeMetrics: { metrics: unknown[] }[] }[] };
}

/**
 * The ingest's decoder is what reads these messages off Kafka. Loaded at run
 * time: the agent's build does not depend on the ingest's.
 */
const ingestPackage = '@stallscope/ingest';
const { decodeExportTraceServiceRequest, decodeExportMetricsServiceRequest } = (await import(ingestPackage)) as DecodedRequests;

const PROCESSES = 50;
const hex = (value: number, bytes: number) => value.toString(16).padStart(bytes * 2, '0');

/** A slow-syscall-like span of process `pid`, carrying its own Resource object as the agent's spans do. */
function span(index: number, pid: number, argBytes = 40): ReadableSpan {
  const traceId = hex(index + 1, 16);
  const spanId = hex(index + 1, 8);
  return {
    name: 'flock',
    kind: SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
    startTime: [1_700_000_000, index],
    endTime: [1_700_000_001, index],
    duration: [1, 0],
    status: { code: SpanStatusCode.UNSET },
    attributes: { 'stallscope.syscall.name': 'flock', 'stallscope.syscall.args': ['0x'.padEnd(argBytes, 'f')] },
    links: [],
    events: [],
    ended: true,
    resource: resourceFromAttributes({ 'service.name': `svc-${pid % 7}`, 'host.name': 'host-a', 'process.pid': pid }),
    instrumentationScope: { name: AGENT_SCOPE_NAME },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

describe('encodeTraceRequests', () => {
  it('splits 5,000 spans of 50 processes into requests under the bound, every span once, resources grouped', () => {
    const spans = Array.from({ length: 5_000 }, (_, index) => span(index, 1000 + (index % PROCESSES), 200));
    assert.ok(encodeTraceRequest(spans).length > 1024 * 1024, 'as one request the interval exceeds Kafka’s default 1 MiB');

    const requests = encodeTraceRequests(spans);
    assert.ok(requests.length >= 2, `${requests.length} requests`);
    const seen = new Map<string, number>();
    for (const request of requests) {
      assert.ok(request.length <= MAX_MESSAGE_BYTES, `a request of ${request.length} bytes`);
      const decoded = decodeExportTraceServiceRequest(request);
      const pids = decoded.resourceSpans.map((rs) =>
        JSON.stringify(rs.resource.attributes, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
      );
      assert.equal(new Set(pids).size, pids.length, 'one ResourceSpans per distinct resource in a request');
      for (const resourceSpans of decoded.resourceSpans) {
        assert.equal(resourceSpans.scopeSpans.length, 1);
        for (const { spanId } of resourceSpans.scopeSpans[0]!.spans) {
          const id = Buffer.from(spanId).toString('hex');
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      }
    }
    assert.equal(seen.size, 5_000);
    assert.ok([...seen.values()].every((times) => times === 1), 'no span in two requests');
    // Grouped, the resources are written once per request, not once per span.
    const totalBytes = requests.reduce((total, request) => total + request.length, 0);
    assert.ok(totalBytes < encodeTraceRequest(spans).length);
  });

  it('sends a span larger than the bound alone, and the small ones around it in their own requests', () => {
    const spans = [span(0, 1), span(1, 1, 20_000), span(2, 2)];
    const requests = encodeTraceRequests(spans, 10_000);
    const spansPerRequest = requests.map((request) =>
      decodeExportTraceServiceRequest(request).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).length,
    );
    assert.equal(spansPerRequest.reduce((total, count) => total + count, 0), 3);
    const oversized = requests.filter((request) => request.length > 10_000);
    assert.equal(oversized.length, 1);
    assert.equal(decodeExportTraceServiceRequest(oversized[0]!).resourceSpans[0]!.scopeSpans[0]!.spans.length, 1);
  });

  it('encodes nothing for no spans', () => {
    assert.deepEqual(encodeTraceRequests([]), []);
  });
});

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function processMetrics(pid: number, series: number): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc', 'process.pid': pid }),
    readers: [reader],
  });
  const counter = provider.getMeter(AGENT_SCOPE_NAME).createCounter('syscall.calls');
  for (let i = 0; i < series; i += 1) counter.add(1, { 'stallscope.syscall.name': `syscall_${i}` });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('encodeMetricsRequests', () => {
  it('packs whole resources into requests under the bound', async () => {
    const resources = await Promise.all(Array.from({ length: PROCESSES }, (_, pid) => processMetrics(pid, 100)));
    const requests = encodeMetricsRequests(resources, 32 * 1024);
    assert.ok(requests.length >= 2, `${requests.length} requests`);
    let resourceCount = 0;
    for (const request of requests) {
      assert.ok(request.length <= 32 * 1024, `a request of ${request.length} bytes`);
      resourceCount += decodeExportMetricsServiceRequest(request).resourceMetrics.length;
    }
    assert.equal(resourceCount, PROCESSES);
  });
});
