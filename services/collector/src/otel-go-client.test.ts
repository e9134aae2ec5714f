// Real client: the OpenTelemetry Go SDK's OTLP/gRPC trace exporter (the
// program in go-otlp-client/, versions pinned by its go.mod/go.sum) sends
// spans to the collector; each arrives on otlp_spans field by field. Starts:
// one collector, one Go build (modules and build cache under .cache/, so runs
// after the first are offline), one Go process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeExportTraceServiceRequest, type AnyValue, type KeyValue } from '@stallscope/ingest';
import { Topics } from '@stallscope/schemas';
import { startTestCollector, type TestCollector } from './test-collector.js';

const packageRoot = join(import.meta.dirname, '..');
const programDir = join(packageRoot, 'src', 'go-otlp-client');
const repoCache = join(packageRoot, '..', '..', '.cache');
const goEnv = {
  ...process.env,
  GOMODCACHE: join(repoCache, 'go-mod'),
  GOCACHE: join(repoCache, 'go-build'),
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-modcacherw',
};

function goSkipReason(): string | undefined {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  return version.status === 0 ? undefined : 'no Go toolchain on PATH (the Go SDK client needs one)';
}
const skipReason = goSkipReason();
if (skipReason) console.log(`skipping Go SDK client test: ${skipReason}`);

let harness: TestCollector;
let buildDir = '';

before(async () => {
  if (skipReason) return;
  buildDir = mkdtempSync(join(tmpdir(), 'stallscope-go-client-'));
  execFileSync('go', ['build', '-o', join(buildDir, 'go-otlp-client'), '.'], { cwd: programDir, env: goEnv, stdio: 'inherit', timeout: 540_000 });
  harness = await startTestCollector();
});

after(async () => {
  await harness?.stop();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

interface GoEndedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startNs: string;
  endNs: string;
  eventNs: string[];
  linkTraceIds: string[];
  linkSpanIds: string[];
}

const str = (value: string): AnyValue => ({ type: 'string', value });
const int = (value: bigint): AnyValue => ({ type: 'int', value });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** What main.go sets, in its order, beyond ids and times (which it prints). */
const EXPECTED: Record<string, { kind: number; attributes: KeyValue[]; status: { code: number; message: string }; events: string[]; eventAttributes: KeyValue[][]; linkAttributes: KeyValue[][] }> = {
  enqueue: { kind: 4, attributes: [], status: { code: 1, message: '' }, events: [], eventAttributes: [], linkAttributes: [] },
  'GET /items': {
    kind: 2,
    attributes: [
      kv('http.route', str('/items')),
      kv('app.count', int(9_007_199_254_740_993n)),
      kv('app.ratio', { type: 'double', value: 0.25 }),
      kv('app.cached', { type: 'bool', value: false }),
      kv('app.tags', { type: 'array', values: [str('x'), str('y')] }),
      kv('app.sizes', { type: 'array', values: [int(4n), int(5n)] }),
    ],
    status: { code: 0, message: '' },
    events: ['parsed'],
    eventAttributes: [[kv('bytes', int(512n))]],
    linkAttributes: [],
  },
  'SELECT items': {
    kind: 3,
    attributes: [],
    status: { code: 2, message: 'timeout' },
    events: [],
    eventAttributes: [],
    linkAttributes: [[kv('link.kind', str('follows'))]],
  },
};

test('Go SDK OTLP/gRPC exporter: spans arrive field by field', { skip: skipReason, timeout: 600_000 }, async () => {
  const serviceName = 'go-sdk-client';
  // Not spawnSync: the collector answering it runs on this process's event loop.
  const run = await promisify(execFile)(join(buildDir, 'go-otlp-client'), [], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: harness.grpcUrl, SERVICE_NAME: serviceName },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.doesNotMatch(run.stderr, /export/, 'the Go exporter reported no failed export');
  const ended = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as GoEndedSpan);
  assert.equal(ended.length, 3);
  const traces = new Set(ended.map((span) => span.traceId));
  const messages = await harness.waitForMessages(Topics.spans, traces.size);
  assert.deepEqual(new Set(messages.map((message) => message.key?.toString())), traces);
  const arrived = messages.flatMap((message) =>
    decodeExportTraceServiceRequest(message.value).resourceSpans.flatMap(({ resource, scopeSpans }) =>
      scopeSpans.flatMap(({ scope, spans }) => spans.map((span) => ({ resource, scope, span }))),
    ),
  );
  assert.equal(arrived.length, ended.length);
  for (const sent of ended) {
    const match = arrived.find(({ span }) => hex(span.spanId) === sent.spanId);
    assert.ok(match, `span ${sent.name} arrived`);
    const { resource, scope, span } = match;
    const expected = EXPECTED[sent.name]!;
    // The Go SDK keeps a resource's attributes sorted by key.
    assert.deepEqual(resource.attributes, [kv('process.pid', int(777n)), kv('service.name', str(serviceName))]);
    assert.deepEqual({ name: scope.name, version: scope.version }, { name: 'go-client', version: '1.0.0' });
    assert.deepEqual(
      {
        traceId: hex(span.traceId),
        parentSpanId: hex(span.parentSpanId),
        name: span.name,
        kind: span.kind,
        startNs: span.startTimeUnixNano.toString(),
        endNs: span.endTimeUnixNano.toString(),
        attributes: span.attributes,
        status: span.status,
        events: span.events.map((event) => ({ name: event.name, ns: event.timeUnixNano.toString(), attributes: event.attributes })),
        links: span.links.map((link) => ({ traceId: hex(link.traceId), spanId: hex(link.spanId), attributes: link.attributes })),
      },
      {
        traceId: sent.traceId,
        parentSpanId: sent.parentSpanId,
        name: sent.name,
        kind: expected.kind,
        startNs: sent.startNs,
        endNs: sent.endNs,
        attributes: expected.attributes,
        status: expected.status,
        events: expected.events.map((name, index) => ({ name, ns: sent.eventNs[index], attributes: expected.eventAttributes[index] })),
        links: sent.linkTraceIds.map((traceId, index) => ({ traceId, spanId: sent.linkSpanIds[index], attributes: expected.linkAttributes[index] })),
      },
    );
  }
});
