// Realistic agent output at fleet scale, made by the agent's own code (the
// slow-syscall span mapping, the histogram metrics and the OTLP encoder it runs
// at each interval's end, from `@stallscope/bpf-agent/otlp`): every host gets
// its own identity (host.name, pids, container ids) and the service mix of a
// typical node — two Go services, a JVM service and a Node.js service — whose
// slow calls and per-syscall histograms look like what the agent records.
import { MetricAttr, Metrics, SpanAttr } from '@stallscope/schemas';
import { encodeMetricsRequests, encodeTraceRequests, histogramResourceMetrics, hrTimeOfNs, processResource, slowSyscallSpan } from '@stallscope/bpf-agent/otlp';

const SERVICES = [
  { name: 'checkout', executableName: 'checkout', executablePath: '/usr/local/bin/checkout', commandLine: '/usr/local/bin/checkout --listen :8080', runtime: 'go' },
  { name: 'inventory', executableName: 'inventory', executablePath: '/app/inventory', commandLine: '/app/inventory -config /etc/inventory.yaml', runtime: 'go' },
  { name: 'ledger', executableName: 'java', executablePath: '/usr/lib/jvm/java-17/bin/java', commandLine: 'java -Xmx2g -jar /app/ledger.jar', runtime: 'java' },
  { name: 'web-frontend', executableName: 'node', executablePath: '/usr/local/bin/node', commandLine: 'node /srv/web/server.js', runtime: 'nodejs' },
];

// The slow calls an SRE's services make, with the class and what the agent attaches.
const CALLS = [
  { syscall: 'futex', nr: 202, waitClass: 'idle', rule: 'go-runtime-park', stack: ['runtime.futex', 'runtime.futexsleep', 'runtime.notesleep', 'runtime.stopm', 'runtime.findRunnable', 'runtime.schedule'], attrs: { [SpanAttr.futexOp]: 'FUTEX_WAIT_PRIVATE', [SpanAttr.futexTimed]: false } },
  { syscall: 'flock', nr: 73, waitClass: 'lock', rule: 'flock-default', stack: ['syscall.Flock', 'main.(*store).append', 'main.handle', 'net/http.HandlerFunc.ServeHTTP'], attrs: { [SpanAttr.fdTarget]: 'file', [SpanAttr.filePath]: '/var/lib/app/journal.lock' } },
  { syscall: 'fsync', nr: 74, waitClass: 'disk', rule: 'syscall', attrs: { [SpanAttr.fdTarget]: 'file', [SpanAttr.filePath]: '/var/lib/app/journal.wal' } },
  { syscall: 'read', nr: 0, waitClass: 'network', rule: 'fd-socket', attrs: { [SpanAttr.fdTarget]: 'socket', [SpanAttr.networkTransport]: 'tcp', [SpanAttr.networkPeerAddress]: '10.0.3.17', [SpanAttr.networkPeerPort]: 5432, [SpanAttr.networkLocalAddress]: '10.0.1.4', [SpanAttr.networkLocalPort]: 41822 } },
  { syscall: 'epoll_pwait', nr: 281, waitClass: 'idle', rule: 'go-netpoll', stack: ['runtime.epollwait', 'runtime.netpoll', 'runtime.findRunnable'], attrs: { [SpanAttr.waitTimeoutMs]: -1 } },
  { syscall: 'write', nr: 1, waitClass: 'disk', rule: 'fd-file', attrs: { [SpanAttr.fdTarget]: 'file', [SpanAttr.filePath]: '/var/log/app/access.log' } },
  { syscall: 'openat', nr: 257, waitClass: 'disk', rule: 'syscall', fails: -2n, attrs: { [SpanAttr.filePath]: '/etc/app/override.yaml', [SpanAttr.openFlags]: 'O_RDONLY|O_CLOEXEC' } },
];

function hexOf(seed, length) {
  let text = '';
  for (let i = 0; text.length < length; i++) text += ((seed * 2654435761 + i * 40503) >>> 0).toString(16).padStart(8, '0');
  return text.slice(0, length);
}

function hostProcesses(host) {
  const hostName = `node-${String(host).padStart(4, '0')}.prod.example.internal`;
  return SERVICES.map((service, index) => {
    const tgid = 1000 + host * 7 + index * 131;
    const info = {
      serviceName: service.name,
      executableName: service.executableName,
      executablePath: service.executablePath,
      commandLine: service.commandLine,
      runtimeName: service.runtime === 'go' ? undefined : service.runtime,
      containerId: hexOf(host * 16 + index, 64),
      podUid: `${hexOf(host * 31 + index, 8)}-3f0a-4b44-9a77-${hexOf(host + index, 12)}`,
      ruleAttributes: { 'deployment.environment.name': 'production', 'k8s.namespace.name': 'shop' },
    };
    return { tgid, info, resource: processResource(hostName, tgid, info) };
  });
}

/** One host's slow-syscall spans of one interval, as the agent's spans. */
function hostSpans(host, count, intervalStartNs) {
  const processes = hostProcesses(host);
  const spans = [];
  for (let i = 0; i < count; i++) {
    const process = processes[i % processes.length];
    const call = CALLS[(i * 7 + host) % CALLS.length];
    const durationNs = 1_000_000n + BigInt((i * 7919) % 250_000_000);
    const record = {
      type: 'slow-syscall', tgid: process.tgid, tid: process.tgid + 1 + (i % 24), syscallNr: call.nr, classKey: 0,
      args: [3n + BigInt(i % 40), 0x7ffd_5a2c_1000n + BigInt(i * 64), 4096n], returnValue: call.fails ?? 0n,
      startNs: 0n, durationNs, runQueueNs: BigInt((i * 104729) % 2_000_000), stackId: -1, comm: 'worker',
    };
    const context = {
      syscallName: call.syscall, waitClass: call.waitClass, waitClassRule: call.rule, userStack: call.stack,
      callAttributes: call.attrs, startUnixNs: intervalStartNs + BigInt(i) * 6_510_417n + 7n,
    };
    spans.push(slowSyscallSpan(record, context, process.resource));
  }
  return spans;
}

/** One host's syscall.duration and offcpu.duration histograms of one interval. */
function hostMetrics(host, intervalStartNs, intervalEndNs) {
  const hostName = `node-${String(host).padStart(4, '0')}.prod.example.internal`;
  const syscallDeltas = [];
  for (const service of SERVICES) {
    for (const call of CALLS) {
      for (const rule of [call.rule, 'syscall']) {
        syscallDeltas.push({
          serviceName: service.name,
          attributes: { [MetricAttr.syscallName]: call.syscall, [MetricAttr.waitClass]: call.waitClass, [MetricAttr.waitClassRule]: rule },
          count: 400 + host, sumNs: 9_000_000 + host, zeroCount: 0,
          bucketCounts: new Map([[10, 120], [12, 150], [14, 80], [18, 30], [20, 15], [23, 4], [25, 1]]), maxNs: 60_000_000,
        });
      }
    }
  }
  const offCpuDeltas = SERVICES.map((service) => ({
    serviceName: service.name, attributes: { [MetricAttr.threadState]: 'run-queue' },
    count: 40, sumNs: 7_300_000, zeroCount: 0, bucketCounts: new Map([[14, 25], [16, 10], [18, 5]]), maxNs: 480_000,
  }));
  const bounds = { hostName, startTime: hrTimeOfNs(intervalStartNs), endTime: hrTimeOfNs(intervalEndNs) };
  const resourceMetrics = [
    ...histogramResourceMetrics(Metrics.syscallDuration, syscallDeltas, bounds),
    ...histogramResourceMetrics(Metrics.offCpuDuration, offCpuDeltas, bounds),
  ];
  return { messages: encodeMetricsRequests(resourceMetrics), points: syscallDeltas.length + offCpuDeltas.length };
}

/**
 * The recording's shape: one host interval is RECORDED_INTERVAL_SECONDS long
 * and holds one histogram export (60 points: 4 services x 7 calls x 2 rules,
 * plus 4 off-CPU) and, in a busy hour, RECORDED_SPANS_PER_INTERVAL slow spans.
 */
export const RECORDED_INTERVAL_SECONDS = 10;
export const RECORDED_SPANS_PER_INTERVAL = 1000;
const INTERVAL_NS = BigInt(RECORDED_INTERVAL_SECONDS) * 1_000_000_000n;

/** One host's export at the end of one interval, as the agent sends it: its span and metric message values. */
export function hostExport(host, spanCount, intervalEndNs) {
  const intervalStartNs = intervalEndNs - INTERVAL_NS;
  const metrics = hostMetrics(host, intervalStartNs, intervalEndNs);
  return {
    traceMessages: spanCount > 0 ? encodeTraceRequests(hostSpans(host, spanCount, intervalStartNs)) : [],
    metricMessages: metrics.messages,
    spans: spanCount,
    points: metrics.points,
  };
}

/**
 * The Kafka message values of `spanTotal` spans from a fleet of hosts (each
 * host: `spansPerHost` spans, encoded under the agent's message bound) and
 * the hosts' histogram intervals.
 */
export function fleetOutput(spanTotal, spansPerHost = 10_000, onHost = () => {}) {
  const intervalEndNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const intervalStartNs = intervalEndNs - INTERVAL_NS;
  const traceMessages = [];
  const metricMessages = [];
  let spans = 0;
  let points = 0;
  for (let host = 0; spans < spanTotal; host++) {
    const count = Math.min(spansPerHost, spanTotal - spans);
    traceMessages.push(...encodeTraceRequests(hostSpans(host, count, intervalStartNs)));
    // The agent exports its histograms every interval; a host's slow spans of a
    // busy hour span many intervals: one metrics interval per 1,000 spans.
    for (let interval = 0; interval < Math.ceil(count / RECORDED_SPANS_PER_INTERVAL); interval++) {
      const shiftNs = BigInt(interval) * INTERVAL_NS;
      const metrics = hostMetrics(host, intervalStartNs - shiftNs, intervalEndNs - shiftNs);
      metricMessages.push(...metrics.messages);
      points += metrics.points;
    }
    spans += count;
    onHost(spans);
  }
  return { traceMessages, metricMessages, spans, points };
}

/** One span in a message of its own, with a trace id the caller then looks for. */
export function probeMessage(host, traceIdSink) {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const [span] = hostSpans(host, 1, nowNs);
  traceIdSink(span.spanContext().traceId);
  return encodeTraceRequests([span])[0];
}
