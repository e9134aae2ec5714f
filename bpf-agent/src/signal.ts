import type { HrTime } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SignalName } from '@stallscope/schemas';
import type { LoaderRecord } from './loader/records.js';
import type { ProcessRegistry } from './process/process-registry.js';

/** What every signal gets from the agent core. */
export interface SignalContext {
  hostName: string;
  processes: ProcessRegistry;
  /** BPF monotonic ns -> wall clock ns (from the loader's hello). */
  toUnixNs(monotonicNs: bigint): bigint;
  /** A command line to this signal's part of the loader. */
  command(line: string): void;
}

export interface IntervalBounds {
  startTime: HrTime;
  endTime: HrTime;
}

export interface IntervalOutput {
  resourceMetrics: ResourceMetrics[];
  spans: ReadableSpan[];
  logRecords: ReadableLogRecord[];
  /** Processes whose kernel entries vanished: they exited. */
  exitedTgids: number[];
}

/**
 * One signal of the agent, as a Beyla tracer: its loader part is named by
 * `name`; the agent hands it the records of its types and, at each snapshot's
 * end, takes the interval's OTel data from it.
 */
export interface AgentSignal {
  name: SignalName;
  /** Record types (LoaderRecord['type']) this signal consumes. */
  recordTypes: readonly LoaderRecord['type'][];
  onRecord(record: LoaderRecord): void;
  endInterval(bounds: IntervalBounds): IntervalOutput;
}
