import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes } from '@opentelemetry/api';
import { hrTimeOfNs } from '../../src/export/hr-time.js';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AGENT_SCOPE_NAME, ResourceAttr, SpanAttr, errnoClass, errnoName, type WaitClass } from '@stallscope/schemas';
import { processResourceAttributes, type ProcessInfo } from '../../src/process/index.js';
import type { SlowSyscallRecord } from '../../src/loader/records.js';


export interface SlowSyscallContext {
  syscallName: string;
  waitClass: WaitClass;
  /** Id of the rule that decided the class. */
  waitClassRule: string;
  /** Symbolized user stack, leaf first, when one decided the class. */
  userStack: readonly string[] | undefined;
  /** What the call was about: its fd's target, flags, futex operation... */
  callAttributes: Attributes;
  /** The event's start on the wall clock. */
  startUnixNs: bigint;
}

/** A process's resource: its identity plus the host and pid (spans are rare, so pids are fine here). */
export function processResource(hostName: string, tgid: number, process: ProcessInfo): Resource {
  return resourceFromAttributes({
    ...processResourceAttributes(process),
    [ResourceAttr.hostName]: hostName,
    [ResourceAttr.processPid]: tgid,
  });
}

/**
 * The attributes with their keys in increasing order: otel_traces keeps a
 * span's attributes sorted by key (as the Collector's ClickHouse exporter
 * does), and the ingest only checks the order of keys sent so.
 */
function sortedByKey(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One span per slow syscall: name = the syscall, status error (with the errno's name) when it returned -errno. */
export function slowSyscallSpan(record: SlowSyscallRecord, context: SlowSyscallContext, resource: Resource): ReadableSpan {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const failed = record.returnValue < 0n && record.returnValue >= -4095n;
  const errno = failed ? Number(-record.returnValue) : 0;
  return {
    name: context.syscallName,
    kind: SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
    startTime: hrTimeOfNs(context.startUnixNs),
    endTime: hrTimeOfNs(context.startUnixNs + record.durationNs),
    duration: hrTimeOfNs(record.durationNs),
    status: failed ? { code: SpanStatusCode.ERROR, message: errnoName(errno) } : { code: SpanStatusCode.UNSET },
    attributes: sortedByKey({
      ...context.callAttributes,
      [SpanAttr.syscallName]: context.syscallName,
      [SpanAttr.syscallNr]: record.syscallNr,
      [SpanAttr.syscallArgs]: record.args.map((arg) => `0x${arg.toString(16)}`),
      [SpanAttr.syscallReturnValue]: record.returnValue.toString(),
      [SpanAttr.threadId]: record.tid,
      [SpanAttr.waitClass]: context.waitClass,
      [SpanAttr.waitClassRule]: context.waitClassRule,
      [SpanAttr.runQueueNs]: Number(record.runQueueNs),
      ...(failed ? { [SpanAttr.errnoName]: errnoName(errno), [SpanAttr.errorType]: errnoClass(errno) } : {}),
      ...(context.userStack ? { [SpanAttr.userStack]: [...context.userStack] } : {}),
    }),
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: { name: AGENT_SCOPE_NAME },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
