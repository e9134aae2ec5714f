import { existsSync, readdirSync } from 'node:fs';
import type { Logger } from '@stallscope/common';
import { GO_GC_CYCLE_STW_REASON, MetricAttr, Metrics } from '@stallscope/schemas';
import type { GoCountsRecord, GoHistRecord, LoaderRecord } from '../../src/loader/records.js';
import { HistogramDeltas, type HistogramGroup } from '../../src/metrics/histogram-deltas.js';
import { histogramResourceMetrics } from '../../src/metrics/histogram-metrics.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import type { SymbolizeBudget } from '../../src/symbols/index.js';
import { GoParkStacks, goParkStackLogRecords } from './go-park-stacks.js';
import { GoProbes, type GoRuntimeParts } from './go-probes.js';
import { GoroutineCounts } from './goroutine-counts.js';
import { goCountResourceMetrics, type GcCycles } from './goruntime-metrics.js';

export interface GoRuntimeSignalOptions {
  parts: GoRuntimeParts;
  /** The heaviest park stacks kept per service and wait reason each interval. */
  maxParkStacksPerService: number;
  symbolize: (pid: number, addresses: readonly bigint[]) => (string | undefined)[];
  symbolizeBudget: SymbolizeBudget;
  logger: Logger;
  /** Where processes are listed (tests point it elsewhere). */
  procRoot?: string;
}

/**
 * Processes already running are looked at from this interval on, one per
 * event-loop turn: reading a Go binary's symbols takes 100-250 ms on a busy
 * host, and the agent must first take the exec events of its start (a 40 ms
 * process is named only while it lives).
 */
const SCAN_AFTER_INTERVALS = 2;

/** A reason code as its runtime names it, or by number where the binary has no name for it. */
const nameOf = (names: readonly string[] | undefined, code: number): string => names?.[code] || `reason ${code}`;

/**
 * The Go runtime of every Go process, probed per binary: stop-the-world
 * pauses by reason (go.stw.duration) and GC cycles, goroutines created and
 * live, and how long goroutines stayed parked by wait reason
 * (go.goroutine.wait.duration) with the heaviest park stacks as folded stacks.
 */
export function createGoRuntimeSignal(context: SignalContext, options: GoRuntimeSignalOptions): AgentSignal {
  const procRoot = options.procRoot ?? '/proc';
  const probes = new GoProbes(options.parts, (line) => context.command(line), options.logger, procRoot);
  const stacks = new GoParkStacks(options.symbolize, options.maxParkStacksPerService, options.symbolizeBudget);
  const histDeltas = new HistogramDeltas<GoHistRecord>((r) => `${r.tgid}:${r.kind}:${r.reason}:${r.bucket}`);
  const goroutines = new GoroutineCounts();
  const serviceOf = (tgid: number) => context.processes.lookup(tgid).serviceName;
  let histSnapshot: GoHistRecord[] = [];
  let countSnapshot: GoCountsRecord[] = [];
  let intervals = 0;

  // Processes running before the agent: their binaries are probed from now on.
  const scanRunning = () => {
    let entries: string[] = [];
    try {
      entries = readdirSync(procRoot);
    } catch (error) {
      options.logger.warn({ err: error, procRoot }, 'cannot list processes: only Go programs started from now on are probed');
    }
    const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
    const step = () => {
      const pid = pids.shift();
      if (pid !== undefined) probes.onProcess(pid);
      if (pids.length > 0) setImmediate(step);
    };
    setImmediate(step);
  };

  return {
    name: 'goruntime',
    recordTypes: ['go-hist', 'go-counts', 'go-park-stack', 'go-stack-trace', 'go-stacks-reset', 'process-event'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'go-hist') histSnapshot.push(record);
      else if (record.type === 'go-counts') countSnapshot.push(record);
      else if (record.type === 'go-park-stack') {
        stacks.onParkStack(record, nameOf(probes.binaryOf(record.tgid)?.waitReasons, record.reason));
      } else if (record.type === 'go-stack-trace') stacks.onStackTrace(record);
      else if (record.type === 'go-stacks-reset') stacks.onReset();
      else if (record.type === 'process-event') {
        if (record.kind === 'exec') probes.onProcess(record.tgid);
        else if (record.kind === 'exit') probes.onExit(record.tgid);
      }
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      if (++intervals === SCAN_AFTER_INTERVALS) scanRunning();
      const hist = histDeltas.next(histSnapshot, (record): HistogramGroup => {
        const binary = probes.binaryOf(record.tgid);
        const attributes: Record<string, string> =
          record.kind === 'stw-pause'
            ? { [MetricAttr.goStwReason]: nameOf(binary?.stwReasons, record.reason) }
            : { [MetricAttr.goWaitReason]: nameOf(binary?.waitReasons, record.reason) };
        return { serviceName: serviceOf(record.tgid), attributes };
      });
      const pauses = hist.deltas.filter((delta) => MetricAttr.goStwReason in delta.attributes);
      const parks = hist.deltas.filter((delta) => MetricAttr.goWaitReason in delta.attributes);
      const gcCycles: GcCycles[] = pauses
        .filter((delta) => delta.attributes[MetricAttr.goStwReason] === GO_GC_CYCLE_STW_REASON)
        .map((delta) => ({ serviceName: delta.serviceName, cycles: delta.count }));
      const counted = goroutines.next(countSnapshot, serviceOf, (tgid) => existsSync(`${procRoot}/${tgid}`));
      const folded = stacks.endInterval(serviceOf);
      histSnapshot = [];
      countSnapshot = [];
      probes.endInterval();
      const metricOptions = { hostName: context.hostName, ...bounds };
      return {
        resourceMetrics: [
          ...(pauses.length > 0 ? histogramResourceMetrics(Metrics.goStwDuration, pauses, metricOptions) : []),
          ...(parks.length > 0 ? histogramResourceMetrics(Metrics.goGoroutineWaitDuration, parks, metricOptions) : []),
          ...goCountResourceMetrics(counted, gcCycles, metricOptions),
        ],
        spans: [],
        logRecords: goParkStackLogRecords(folded, { hostName: context.hostName, time: bounds.endTime }),
        exitedTgids: hist.exitedTgids,
      };
    },
  };
}
