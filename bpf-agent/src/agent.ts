import { hostname } from 'node:os';
import {
  counter,
  gauge,
  withLifecycle,
  type Component,
  type Logger,
  type Registry,
} from '@stallscope/common';
import { DROP_REASONS, SignalBit, Topics, syscallArchOf, type SignalName } from '@stallscope/schemas';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TransportProducer } from '@stallscope/transport';
import type { AgentConfig } from './config.js';
import { MAX_MESSAGE_BYTES, encodeLogsRequests, encodeMetricsRequests, encodeTraceRequests } from './export/otlp-encode.js';
import { defaultLoaderPath } from './loader/default-loader-path.js';
import { spawnLoader } from './loader/loader-process.js';
import type { HelloRecord, LoaderRecord, SnapshotEndRecord } from './loader/records.js';
import { WallClock } from './loader/wall-clock.js';
import { hrTimeOfNs } from './export/hr-time.js';
import { loadServiceRules, parseCgroupScope, ProcessRegistry, readProcessInfo, type ProcessInfo } from './process/index.js';
import type { AgentSignal, SignalContext } from './signal.js';
import { createSignals, loaderOptionsOf } from './signals.js';
import { endIntervalSpan, startIntervalSpan } from './interval-tracing.js';
import { SymbolizeBudget } from './symbols/index.js';

export interface AgentDeps {
  logger: Logger;
  metrics: Registry;
  producer: TransportProducer;
  /** Called when the agent cannot go on (the loader died); the launcher stops the process. */
  onFatal?: (error: Error) => void;
}

const HELLO_TIMEOUT_MS = 30_000;

/**
 * The per-host agent: runs the BPF loader with the enabled signals, hands
 * each signal its records, and once per interval sends what the signals made
 * of them (OTLP metrics and spans) through the transport.
 */
export function createAgent(config: AgentConfig, deps: AgentDeps): Component {
  const logger = deps.logger.child({ component: 'agent' });
  const arch = syscallArchOf(process.arch);
  const hostName = config.hostName || hostname();
  // A broken rules file fails the agent at creation, naming the file and rule.
  const serviceRules = loadServiceRules(config.serviceRulesFile);
  const processes = new ProcessRegistry(
    config.maxTrackedProcesses,
    (tgid) => readProcessInfo(tgid, { rules: serviceRules }),
    undefined,
    serviceRules,
  );
  // A malformed scope fails the agent at creation, saying why.
  const scope = parseCgroupScope(config.cgroupScope);
  const inScopeByProcess = new WeakMap<ProcessInfo, boolean>();

  const recordsTotal = counter(deps.metrics, {
    name: 'stallscope_agent_loader_records_total',
    help: 'Records received from the BPF loader, by type',
    labelNames: ['type'],
  });
  const bpfDropsTotal = counter(deps.metrics, {
    name: 'stallscope_agent_bpf_drops_total',
    help: 'Events the BPF programs could not record (map or ring buffer full), by reason',
    labelNames: ['reason'],
  });
  const spansDroppedTotal = counter(deps.metrics, {
    name: 'stallscope_agent_slow_spans_dropped_total',
    help: 'Slow-syscall spans not exported, by reason (per-process rate limit, pending queue full)',
    labelNames: ['reason'],
  });
  const exportedTotal = counter(deps.metrics, {
    name: 'stallscope_agent_exported_requests_total',
    help: 'OTLP requests handed to the transport, by signal',
    labelNames: ['signal'],
  });
  const exportFailuresTotal = counter(deps.metrics, {
    name: 'stallscope_agent_export_failures_total',
    help: 'OTLP requests the transport rejected (their data is lost), by signal',
    labelNames: ['signal'],
  });
  const oversizedTotal = counter(deps.metrics, {
    name: 'stallscope_agent_oversized_requests_total',
    help: 'Requests larger than the message bound even alone (one huge span or resource); the broker may refuse them',
    labelNames: ['signal'],
  });
  const outOfScopeTotal = counter(deps.metrics, {
    name: 'stallscope_agent_records_out_of_scope_total',
    help: 'Loader records about processes outside the agent\'s cgroup scope (not reported), by type',
    labelNames: ['type'],
  });
  const trackedProcesses = gauge(deps.metrics, {
    name: 'stallscope_agent_tracked_processes',
    help: 'Processes the agent currently remembers',
  });
  const signalsRunning = gauge(deps.metrics, {
    name: 'stallscope_agent_signal_running',
    help: '1 for each signal that loaded and attached, 0 for one enabled but off on this kernel',
    labelNames: ['signal'],
  });

  let hello: HelloRecord | undefined;
  const wallClock = new WallClock();
  let lastSnapshotUnixNs: bigint | undefined;
  let lastDrops: bigint[] = DROP_REASONS.map(() => 0n);
  const inFlight = new Set<Promise<void>>();
  let loader: ReturnType<typeof spawnLoader> | undefined;
  let stopping = false;
  /** Loader records since the last snapshot end, for the interval's self-tracing span. */
  let recordsThisInterval = 0;

  const contextFor = (name: SignalName): SignalContext => ({
    hostName,
    processes,
    toUnixNs: (monotonicNs) => wallClock.toUnixNs(monotonicNs),
    command(line) {
      loader?.command(name, line);
    },
  });
  const symbolizeBudget = new SymbolizeBudget(config.symbolizeBudgetMsPerInterval);
  const signals: AgentSignal[] = createSignals(config, { arch, contextFor, spansDropped: spansDroppedTotal, symbolizeBudget, logger });
  // A record type may feed several signals (process events: the registry and the Go probes).
  const signalsOf = new Map<LoaderRecord['type'], AgentSignal[]>();
  for (const signal of signals) for (const type of signal.recordTypes) signalsOf.set(type, [...(signalsOf.get(type) ?? []), signal]);

  function send(signal: 'metrics' | 'traces' | 'logs', topic: string, value: Buffer): void {
    const sent = deps.producer.send(topic, [{ value }]).then(
      () => void exportedTotal.inc({ signal }),
      (error: unknown) => {
        exportFailuresTotal.inc({ signal });
        logger.error({ err: error, topic }, 'export failed; this interval is lost');
      },
    );
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  }

  function onHello(record: HelloRecord): void {
    hello = record;
    wallClock.observe(record);
    for (const signal of signals) {
      const running = (record.signals & SignalBit[signal.name]) !== 0;
      signalsRunning.set({ signal: signal.name }, running ? 1 : 0);
      if (!running) logger.warn({ signal: signal.name }, 'signal is off: this kernel lacks its hook (the loader said why)');
    }
  }

  function onSnapshotEnd(end: SnapshotEndRecord): void {
    wallClock.observe(end);
    const span = startIntervalSpan();
    const endUnixNs = end.realtimeNs;
    const startUnixNs = lastSnapshotUnixNs ?? hello?.realtimeNs ?? endUnixNs;
    lastSnapshotUnixNs = endUnixNs;
    const bounds = { startTime: hrTimeOfNs(startUnixNs), endTime: hrTimeOfNs(endUnixNs) };

    const resourceMetrics: ResourceMetrics[] = [];
    const spans: ReadableSpan[] = [];
    const logRecords: ReadableLogRecord[] = [];
    const exited = new Set<number>();
    for (const signal of signals) {
      const output = signal.endInterval(bounds);
      resourceMetrics.push(...output.resourceMetrics);
      spans.push(...output.spans);
      logRecords.push(...output.logRecords);
      for (const tgid of output.exitedTgids) exited.add(tgid);
    }
    symbolizeBudget.reset();
    // Their last counters are in this snapshot's output: now they can go.
    for (const tgid of exited) processes.forget(tgid);
    processes.retireExited();
    trackedProcesses.set(processes.size);

    DROP_REASONS.forEach((reason, index) => {
      const now = end.drops[reason];
      const before = lastDrops[index] ?? 0n;
      if (now > before) bpfDropsTotal.inc({ reason }, Number(now - before));
    });
    lastDrops = DROP_REASONS.map((reason) => end.drops[reason]);

    // Split under Kafka's default 1 MB message limit: a bigger message would lose the whole interval.
    let messages = 0;
    for (const request of encodeMetricsRequests(resourceMetrics)) {
      if (request.length > MAX_MESSAGE_BYTES) oversizedTotal.inc({ signal: 'metrics' });
      send('metrics', Topics.metrics, request);
      messages += 1;
    }
    for (const request of encodeTraceRequests(spans)) {
      if (request.length > MAX_MESSAGE_BYTES) oversizedTotal.inc({ signal: 'traces' });
      send('traces', Topics.spans, request);
      messages += 1;
    }
    for (const request of encodeLogsRequests(logRecords)) {
      if (request.length > MAX_MESSAGE_BYTES) oversizedTotal.inc({ signal: 'logs' });
      send('logs', Topics.logs, request);
      messages += 1;
    }
    endIntervalSpan(span, { records: recordsThisInterval, spans: spans.length, resourceMetrics, messages });
    recordsThisInterval = 0;
  }

  /**
   * Whether a record is about a process outside the cgroup scope. Filtered
   * here, in user space, rather than in each BPF program: one check covers
   * every signal, including hooks that run outside the process they count
   * (sched_switch wakes the next task, TCP state changes run in softirq), on
   * cgroup v1 and v2 alike; the process's cgroup is read once, with its name.
   * Lifecycle events and user stacks still pass for every process: they keep
   * the registry current (a process may exec into the scope), and a stack id
   * the kernel sends with another process's pid may be one a process in scope
   * counts under (the syscalls signal names only the stacks its records use).
   */
  function outOfScope(record: LoaderRecord): boolean {
    if (!scope || !('tgid' in record) || record.type === 'process-event' || record.type === 'user-stack') return false;
    const info = processes.lookup(record.tgid);
    let inScope = inScopeByProcess.get(info);
    if (inScope === undefined) {
      inScope = scope.contains(info.cgroup);
      inScopeByProcess.set(info, inScope);
    }
    return !inScope;
  }

  function onRecord(record: LoaderRecord): void {
    recordsTotal.inc({ type: record.type });
    recordsThisInterval += 1;
    if (outOfScope(record)) {
      outOfScopeTotal.inc({ type: record.type });
      return;
    }
    if (record.type === 'hello') onHello(record);
    else if (record.type === 'snapshot-end') onSnapshotEnd(record);
    else for (const signal of signalsOf.get(record.type) ?? []) signal.onRecord(record);
  }

  return withLifecycle({
    async start() {
      const loaderPath = config.loaderPath || defaultLoaderPath();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`BPF loader ${loaderPath} sent no hello within ${HELLO_TIMEOUT_MS} ms`)),
          HELLO_TIMEOUT_MS,
        );
        loader = spawnLoader({
          loaderPath,
          ...loaderOptionsOf(config, arch, signals),
          logger,
          onRecord(record) {
            try {
              onRecord(record);
            } catch (error) {
              logger.error({ err: error, recordType: record.type }, 'failed to handle a loader record');
            }
            if (record.type === 'hello') {
              clearTimeout(timer);
              resolve();
            }
          },
          onExit(code, signal) {
            clearTimeout(timer);
            const error = new Error(`BPF loader exited (code ${code}, signal ${signal})`);
            if (!hello) reject(error);
            else if (!stopping) {
              logger.error({ code, signal }, 'BPF loader exited unexpectedly');
              deps.onFatal?.(error);
            }
          },
        });
      });
      logger.info(
        {
          hostName,
          cgroupScope: scope?.spec,
          intervalMs: config.intervalMs,
          slowSyscallThresholdMs: config.slowSyscallThresholdMs,
          signals: signals.filter((signal) => (hello!.signals & SignalBit[signal.name]) !== 0).map((signal) => signal.name),
          loaderPid: hello?.loaderPid,
        },
        'agent tracing',
      );
    },
    async stop() {
      stopping = true;
      // The loader sends a last snapshot on SIGTERM; it is exported before stop resolves.
      await loader?.stop();
      await Promise.allSettled([...inFlight]);
    },
  });
}
