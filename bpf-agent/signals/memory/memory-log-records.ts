import type { Attributes, HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AGENT_SCOPE_NAME, MEMORY_FLIGHT_RECORD_EVENT, MemoryLogAttr, OOM_KILL_EVENT, ResourceAttr } from '@stallscope/schemas';
import { hrTimeOfNs } from '../../src/export/hr-time.js';
import type { OomVictimRecord } from '../../src/loader/records.js';
import type { FlightSample } from './flight-recorder.js';

const KIB = 1024;

export interface OomKill {
  record: OomVictimRecord;
  serviceName: string;
  cgroup: string | undefined;
  timeUnixNs: bigint;
}

export interface FlightDump {
  serviceName: string;
  tgid: number;
  trigger: 'oom_kill' | 'threshold';
  /** The kill's or the crossing's time: the dump reaches back from here. */
  atUnixNs: bigint;
  samples: readonly FlightSample[];
}

export const dumpIdOf = (tgid: number, atUnixNs: bigint): string => `${tgid}-${atUnixNs}`;

function logRecord(resource: ReturnType<typeof resourceFromAttributes>, time: HrTime, eventName: string, body: string, attributes: Attributes): ReadableLogRecord {
  return {
    hrTime: time,
    hrTimeObserved: time,
    eventName,
    body,
    resource,
    instrumentationScope: { name: AGENT_SCOPE_NAME },
    attributes,
    droppedAttributesCount: 0,
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * An OOM kill is a log record, not a span: it is a moment (no duration), no
 * request's trace context reaches it, and the kernel's figures at that moment
 * are what matter. The flight recorder's samples are one log record each,
 * tied to the kill (or threshold crossing) by a dump id, so one query over
 * otel_logs returns the kill and the seconds before it.
 */
export function memoryLogRecords(kills: readonly OomKill[], dumps: readonly FlightDump[], hostName: string): ReadableLogRecord[] {
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  const resourceOf = (serviceName: string) => {
    let resource = resources.get(serviceName);
    if (!resource) {
      resource = resourceFromAttributes({ [ResourceAttr.serviceName]: serviceName, [ResourceAttr.hostName]: hostName });
      resources.set(serviceName, resource);
    }
    return resource;
  };
  const records: ReadableLogRecord[] = [];
  for (const kill of kills) {
    const r = kill.record;
    const anonRssBytes = Number(r.anonRssKib) * KIB;
    records.push(
      logRecord(resourceOf(kill.serviceName), hrTimeOfNs(kill.timeUnixNs), OOM_KILL_EVENT, `OOM kill of ${r.comm} (pid ${r.tgid}): anon RSS ${mib(anonRssBytes)}`, {
        [MemoryLogAttr.processPid]: r.tgid,
        [MemoryLogAttr.processCommand]: r.comm,
        ...(kill.cgroup !== undefined && { [MemoryLogAttr.cgroup]: kill.cgroup }),
        [MemoryLogAttr.anonRssBytes]: anonRssBytes,
        [MemoryLogAttr.fileRssBytes]: Number(r.fileRssKib) * KIB,
        [MemoryLogAttr.shmemRssBytes]: Number(r.shmemRssKib) * KIB,
        [MemoryLogAttr.totalVmBytes]: Number(r.totalVmKib) * KIB,
        [MemoryLogAttr.pgtablesBytes]: Number(r.pgtablesKib) * KIB,
        [MemoryLogAttr.oomScoreAdj]: r.oomScoreAdj,
        [MemoryLogAttr.triggerPid]: r.triggerTgid,
        [MemoryLogAttr.dumpId]: dumpIdOf(r.tgid, kill.timeUnixNs),
      }),
    );
  }
  for (const dump of dumps) {
    const resource = resourceOf(dump.serviceName);
    const dumpId = dumpIdOf(dump.tgid, dump.atUnixNs);
    for (const sample of dump.samples) {
      const body =
        sample.rssBytes !== undefined
          ? `RSS ${mib(sample.rssBytes)}`
          : `${sample.faults} faults, mmap ${mib(sample.mmapBytes)}, munmap ${mib(sample.munmapBytes)}, brk ${mib(sample.brkBytes)}`;
      records.push(
        logRecord(resource, hrTimeOfNs(sample.timeUnixNs), MEMORY_FLIGHT_RECORD_EVENT, body, {
          [MemoryLogAttr.processPid]: dump.tgid,
          [MemoryLogAttr.dumpId]: dumpId,
          [MemoryLogAttr.dumpTrigger]: dump.trigger,
          [MemoryLogAttr.sampleMs]: sample.durationMs,
          [MemoryLogAttr.faults]: sample.faults,
          [MemoryLogAttr.mmapBytes]: sample.mmapBytes,
          [MemoryLogAttr.munmapBytes]: sample.munmapBytes,
          [MemoryLogAttr.brkBytes]: sample.brkBytes,
          ...(sample.rssBytes !== undefined && { [MemoryLogAttr.rssBytes]: sample.rssBytes }),
        }),
      );
    }
  }
  return records;
}
