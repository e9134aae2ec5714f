import { hostname } from 'node:os';
import {
  counter,
  gauge,
  withLifecycle,
  type Component,
  type Logger,
  type Registry,
} from '@stallscope/common';
import {
  DROP_REASONS,
  Topics,
  syscallArchOf,
  syscallName,
  syscallNumbers,
  syscallTable,
  waitClassOfSyscall,
} from '@stallscope/schemas';
import type { TransportProducer } from '@stallscope/transport';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AgentConfig } from './config.js';
import { defaultLoaderPath } from './loader/default-loader-path.js';
import { spawnLoader } from './loader/loader-process.js';
import type { HelloRecord, LoaderRecord, SlowSyscallRecord, SnapshotEndRecord, SyscallHistRecord } from './loader/records.js';
import { loadServiceRules, ProcessRegistry, readProcessInfo } from './process/index.js';
import { SyscallHistogramDeltas } from './metrics/syscall-histograms.js';
import { syscallResourceMetrics } from './metrics/resource-metrics.js';
import { hrTimeOfNs, processResource, slowSyscallSpan } from './spans/slow-syscall-spans.js';
import { encodeMetricsRequest, encodeTraceRequest } from './export/otlp-encode.js';

export interface AgentDeps {
  logger: Logger;
  metrics: Registry;
  producer: TransportProducer;
  /** Called when the agent cannot go on (the loader died); the launcher stops the process. */
  onFatal?: (error: Error) => void;
}

const HELLO_TIMEOUT_MS = 30_000;
/** Spans waiting for the next export, across all processes. */
const MAX_PENDING_SPANS = 10_000;

/**
 * The per-host agent: runs the BPF loader, names processes, turns kernel
 * histogram snapshots into syscall.duration metrics and slow syscalls into
 * spans, and sends both as OTLP requests through the transport once per interval.
 */
export function createAgent(config: AgentConfig, deps: AgentDeps): Component {
  const logger = deps.logger.child({ component: 'agent' });
  const arch = syscallArchOf(process.arch);
  const hostName = config.hostName || hostname();
  // A broken rules file fails the agent at creation, naming the file and rule.
  const serviceRules = loadServiceRules(config.serviceRulesFile);
  const processes = new ProcessRegistry(config.maxTrackedProcesses, (tgid) => readProcessInfo(tgid, { rules: serviceRules }));
  const histogramDeltas = new SyscallHistogramDeltas();
  const idleSyscallNrs = syscallNumbers(
    arch,
    [...syscallTable(arch).values()].filter((name) => waitClassOfSyscall(name) === 'idle'),
  );

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
  const trackedProcesses = gauge(deps.metrics, {
    name: 'stallscope_agent_tracked_processes',
    help: 'Processes the agent currently remembers',
  });

  let hello: HelloRecord | undefined;
  let lastSnapshotUnixNs: bigint | undefined;
  let lastDrops: bigint[] = DROP_REASONS.map(() => 0n);
  let snapshotRecords: SyscallHistRecord[] = [];
  let pendingSpans: ReadableSpan[] = [];
  const spansThisIntervalByTgid = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  let loader: ReturnType<typeof spawnLoader> | undefined;
  let stopping = false;

  const toUnixNs = (monotonicNs: bigint): bigint => {
    if (!hello) throw new Error('loader record before hello');
    return hello.realtimeNs + (monotonicNs - hello.monotonicNs);
  };

  function send(signal: 'metrics' | 'traces', topic: string, value: Buffer): void {
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

  function onSlowSyscall(record: SlowSyscallRecord): void {
    const seen = spansThisIntervalByTgid.get(record.tgid) ?? 0;
    if (seen >= config.maxSlowSpansPerProcessPerInterval) {
      spansDroppedTotal.inc({ reason: 'rate_limit' });
      return;
    }
    if (pendingSpans.length >= MAX_PENDING_SPANS) {
      spansDroppedTotal.inc({ reason: 'queue_full' });
      return;
    }
    spansThisIntervalByTgid.set(record.tgid, seen + 1);
    const name = syscallName(arch, record.syscallNr);
    const info = processes.lookup(record.tgid);
    pendingSpans.push(
      slowSyscallSpan(
        record,
        {
          hostName,
          syscallName: name,
          waitClass: waitClassOfSyscall(name),
          process: info,
          startUnixNs: toUnixNs(record.startNs),
        },
        processResource(hostName, record.tgid, info),
      ),
    );
  }

  function onSnapshotEnd(end: SnapshotEndRecord): void {
    const endUnixNs = end.realtimeNs;
    const startUnixNs = lastSnapshotUnixNs ?? hello?.realtimeNs ?? endUnixNs;
    lastSnapshotUnixNs = endUnixNs;

    const { deltas, exitedTgids } = histogramDeltas.next(snapshotRecords, (record) => ({
      serviceName: processes.lookup(record.tgid).serviceName,
      syscallName: syscallName(arch, record.syscallNr),
    }));
    snapshotRecords = [];
    for (const tgid of exitedTgids) processes.forget(tgid);
    processes.retireExited();
    trackedProcesses.set(processes.size);

    DROP_REASONS.forEach((reason, index) => {
      const now = end.drops[reason];
      const before = lastDrops[index] ?? 0n;
      if (now > before) bpfDropsTotal.inc({ reason }, Number(now - before));
    });
    lastDrops = DROP_REASONS.map((reason) => end.drops[reason]);

    if (deltas.length > 0) {
      const resourceMetrics = syscallResourceMetrics(deltas, {
        hostName,
        startTime: hrTimeOfNs(startUnixNs),
        endTime: hrTimeOfNs(endUnixNs),
        waitClassOf: waitClassOfSyscall,
      });
      send('metrics', Topics.metrics, encodeMetricsRequest(resourceMetrics));
    }
    if (pendingSpans.length > 0) {
      send('traces', Topics.spans, encodeTraceRequest(pendingSpans));
      pendingSpans = [];
    }
    spansThisIntervalByTgid.clear();
  }

  function onRecord(record: LoaderRecord): void {
    recordsTotal.inc({ type: record.type });
    switch (record.type) {
      case 'hello':
        hello = record;
        break;
      case 'syscall-hist':
        snapshotRecords.push(record);
        break;
      case 'slow-syscall':
        onSlowSyscall(record);
        break;
      case 'snapshot-end':
        onSnapshotEnd(record);
        break;
    }
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
          intervalMs: config.intervalMs,
          slowThresholdNs: BigInt(Math.round(config.slowSyscallThresholdMs * 1e6)),
          maxHistEntries: config.maxHistEntries,
          slowIgnoreSyscallNrs: config.slowSpansForIdleSyscalls ? [] : idleSyscallNrs,
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
        { hostName, intervalMs: config.intervalMs, slowSyscallThresholdMs: config.slowSyscallThresholdMs, loaderPid: hello?.loaderPid },
        'agent tracing syscalls',
      );
    },
    async stop() {
      stopping = true;
      await loader?.stop();
      await Promise.allSettled([...inFlight]);
    },
  });
}

