// Test fixtures: an application trace and the BPF agent's slow-syscall spans
// around it, as OTel SDK span objects, taken through the real ingest path
// (OTLP protobuf serializer -> in-process transport -> ingest -> chDB).
// Imported by tests only.
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { Registry, createLogger } from '@stallscope/common';
import { createIngest, ingestConfigDefaults } from '@stallscope/ingest';
import { AGENT_SCOPE_NAME, ResourceAttr, SpanAttr, Topics } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import { createInProcessTransport, inProcessTransportConfigDefaults } from '@stallscope/transport';

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

export const hrTimeOf = (ns: bigint): HrTime => [Number(ns / NS_PER_S), Number(ns % NS_PER_S)];

export interface SpanFields {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: SpanKind;
  startNs: bigint;
  endNs: bigint;
  resource: Resource;
  scope: { name: string; version?: string };
  attributes?: Attributes;
  events?: TimedEvent[];
  status?: ReadableSpan['status'];
}

export function span(fields: SpanFields): ReadableSpan {
  const { traceId, spanId, parentSpanId } = fields;
  return {
    name: fields.name,
    kind: fields.kind ?? SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
    ...(parentSpanId ? { parentSpanContext: { traceId, spanId: parentSpanId, traceFlags: TraceFlags.SAMPLED } } : {}),
    startTime: hrTimeOf(fields.startNs),
    endTime: hrTimeOf(fields.endNs),
    duration: hrTimeOf(fields.endNs - fields.startNs),
    status: fields.status ?? { code: SpanStatusCode.UNSET },
    attributes: fields.attributes ?? {},
    links: [],
    events: fields.events ?? [],
    ended: true,
    resource: fields.resource,
    instrumentationScope: fields.scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

export function processResource(serviceName: string, hostName: string, pid: number, extra: Attributes = {}): Resource {
  return resourceFromAttributes({
    [ResourceAttr.serviceName]: serviceName,
    [ResourceAttr.hostName]: hostName,
    [ResourceAttr.processPid]: pid,
    ...extra,
  });
}

/** A slow syscall span as the agent makes it: its own trace, the agent's scope, thread.id set. */
export function kernelSpan(fields: { spanId: string; syscall: string; startNs: bigint; endNs: bigint; resource: Resource; threadId: number }): ReadableSpan {
  return span({
    traceId: `${fields.spanId}${fields.spanId}`,
    spanId: fields.spanId,
    name: fields.syscall,
    startNs: fields.startNs,
    endNs: fields.endNs,
    resource: fields.resource,
    scope: { name: AGENT_SCOPE_NAME },
    attributes: { [SpanAttr.syscallName]: fields.syscall, [SpanAttr.threadId]: fields.threadId, [SpanAttr.waitClass]: 'ipc' },
  });
}

/** An application trace of one process and kernel spans in and around it, `baseNs` being its start. */
export function traceScenario(baseNs: bigint) {
  const at = (ms: number) => baseNs + BigInt(ms) * NS_PER_MS;
  const checkout = processResource('checkout', 'host-a', 4242, { 'service.version': '1.4.2' });
  const agentCheckout = processResource('checkout', 'host-a', 4242);
  const otherPid = processResource('checkout', 'host-a', 5555);
  const otherHost = processResource('checkout', 'host-b', 4242);
  const traceId = '5b8efff798038103d269b633813fc60c';
  const appScope = { name: 'checkout-instrumentation', version: '2.0.0' };
  const ids = { root: 'aaaaaaaaaaaaaaa1', query: 'aaaaaaaaaaaaaaa2', render: 'aaaaaaaaaaaaaaa3' };
  const kernelIds = {
    readInQuery: 'bbbbbbbbbbbbbbb1',
    futexOtherThread: 'bbbbbbbbbbbbbbb2',
    fsyncInRender: 'bbbbbbbbbbbbbbb3',
    writePastRoot: 'bbbbbbbbbbbbbbb4',
    readBefore: 'bbbbbbbbbbbbbbb5',
    readOtherPid: 'bbbbbbbbbbbbbbb6',
    readOtherHost: 'bbbbbbbbbbbbbbb7',
  };
  const appSpans = [
    span({
      traceId,
      spanId: ids.root,
      name: 'POST /checkout',
      kind: SpanKind.SERVER,
      startNs: at(0),
      endNs: at(300),
      resource: checkout,
      scope: appScope,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 503, 'retry.ratio': 0.25, 'cache.hit': false },
      events: [{ name: 'exception', time: hrTimeOf(at(290)), attributes: { 'exception.type': 'PaymentDeclined' } }],
      status: { code: SpanStatusCode.ERROR, message: 'payment declined' },
    }),
    span({
      traceId,
      spanId: ids.query,
      parentSpanId: ids.root,
      name: 'SELECT orders',
      kind: SpanKind.CLIENT,
      startNs: at(50),
      endNs: at(150),
      resource: checkout,
      scope: appScope,
      // Runs on thread 4243: only that thread's calls are its own.
      attributes: { [SpanAttr.threadId]: 4243 },
    }),
    span({ traceId, spanId: ids.render, parentSpanId: ids.root, name: 'render', startNs: at(200), endNs: at(280), resource: checkout, scope: appScope }),
  ];
  const kernelSpans = [
    kernelSpan({ spanId: kernelIds.readInQuery, syscall: 'read', startNs: at(60), endNs: at(100), resource: agentCheckout, threadId: 4243 }),
    kernelSpan({ spanId: kernelIds.futexOtherThread, syscall: 'futex', startNs: at(70), endNs: at(90), resource: agentCheckout, threadId: 4250 }),
    kernelSpan({ spanId: kernelIds.fsyncInRender, syscall: 'fsync', startNs: at(210), endNs: at(260), resource: agentCheckout, threadId: 4242 }),
    kernelSpan({ spanId: kernelIds.writePastRoot, syscall: 'write', startNs: at(250), endNs: at(320), resource: agentCheckout, threadId: 4242 }),
    kernelSpan({ spanId: kernelIds.readBefore, syscall: 'read', startNs: at(-50), endNs: at(-10), resource: agentCheckout, threadId: 4242 }),
    kernelSpan({ spanId: kernelIds.readOtherPid, syscall: 'read', startNs: at(60), endNs: at(100), resource: otherPid, threadId: 4243 }),
    kernelSpan({ spanId: kernelIds.readOtherHost, syscall: 'read', startNs: at(60), endNs: at(100), resource: otherHost, threadId: 4243 }),
  ];
  const ledgerTraceId = '0af7651916cd43dd8448eb211c80319c';
  const ledgerSpan = span({
    traceId: ledgerTraceId,
    spanId: 'ccccccccccccccc1',
    name: 'ledger consume',
    kind: SpanKind.CONSUMER,
    startNs: at(1_000),
    endNs: at(1_020),
    resource: processResource('ledger', 'host-b', 7),
    scope: appScope,
  });
  return { traceId, ledgerTraceId, ids, kernelIds, appSpans, kernelSpans, ledgerSpan, at };
}

/**
 * Sends the spans as the agent and the collector do (one OTLP protobuf
 * request per message on the spans topic) through an in-process transport to
 * a real ingest, and resolves once otel_traces holds them all.
 */
export async function ingestSpans(store: Store, requests: readonly ReadableSpan[][]): Promise<void> {
  const logger = createLogger('silent');
  const metrics = new Registry();
  const transport = createInProcessTransport(inProcessTransportConfigDefaults, { logger, metrics });
  const ingest = createIngest(ingestConfigDefaults, { logger, metrics, store, consumer: transport.createConsumer(ingestConfigDefaults.consumerGroup) });
  const producer = transport.createProducer();
  await ingest.start();
  await producer.start();
  try {
    const messages = requests.map((spans) => ({ value: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array()) }));
    await producer.send(Topics.spans, messages);
    const expected = requests.reduce((total, spans) => total + spans.length, 0);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const result = await store.client.query({ query: 'SELECT count() AS spans FROM otel_traces', format: 'JSONEachRow' });
      const [row] = await result.json<{ spans: string }>();
      if (Number(row?.spans) >= expected) break;
      if (Date.now() > deadline) throw new Error(`otel_traces holds ${row?.spans} of ${expected} spans after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await producer.stop();
    await ingest.stop();
  }
}
