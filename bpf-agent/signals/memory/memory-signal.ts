import { MEMORY_SLOT_NS } from '@stallscope/schemas';
import type { LoaderRecord, MemorySampleRecord, OomVictimRecord } from '../../src/loader/records.js';
import { UNKNOWN_PROCESS } from '../../src/process/process-registry.js';
import type { AgentSignal, IntervalBounds, IntervalOutput, SignalContext } from '../../src/signal.js';
import { FlightRecorder, type RecordedProcess } from './flight-recorder.js';
import { memoryLogRecords, type FlightDump, type OomKill } from './memory-log-records.js';
import { memoryResourceMetrics, type ProcessRss, type ServiceFaults } from './memory-metrics.js';
import { readMemoryCgroup, readProcMemory, type ProcMemory } from './proc-memory.js';

const SLOT_NS = BigInt(MEMORY_SLOT_NS);
const SLOT_MS = MEMORY_SLOT_NS / 1e6;
/** A kill is dumped once the snapshot is this far past the end of its slot, so the slot is in. */
const SLOT_SETTLE_NS = 20_000_000n;

export interface MemorySignalOptions {
  flightRecorderSeconds: number;
  flightRecorderMaxProcesses: number;
  /** RSS at or above this dumps the process's flight recorder once (again after it fell below); 0: never. */
  flightRecorderThresholdMiB: number;
  /** Largest processes whose RSS goes out as process.memory.usage each interval. */
  rssTopProcesses: number;
  readProc?: (tgid: number) => ProcMemory | undefined;
  readCgroup?: (tgid: number) => string | undefined;
}

interface Tracked extends RecordedProcess {
  /** /proc's majflt at the last reading, and the start time it belongs to. */
  majorFaults?: number;
  startTimeTicks?: number;
  /** Over the threshold at the last reading: no second dump until it falls below. */
  overThreshold?: boolean;
}

/**
 * Memory per service: user page faults (counted in the kernel, split into
 * major and minor with /proc's majflt), RSS of the largest processes, OOM kills
 * with the victim's figures, and a flight recorder of each process's last
 * seconds (faults, mmap/munmap/brk growth, RSS) dumped at an OOM kill or a
 * threshold crossing.
 */
export function createMemorySignal(context: SignalContext, options: MemorySignalOptions): AgentSignal {
  const windowMs = options.flightRecorderSeconds * 1000;
  const recorder = new FlightRecorder({
    windowMs,
    maxProcesses: options.flightRecorderMaxProcesses,
    // Every slot of the window plus an RSS reading per interval (at least one slot long).
    maxSamplesPerProcess: 2 * Math.ceil(windowMs / SLOT_MS) + 2,
  });
  const readProc = options.readProc ?? ((tgid: number) => readProcMemory(tgid));
  const readCgroup = options.readCgroup ?? ((tgid: number) => readMemoryCgroup(tgid));
  const thresholdBytes = options.flightRecorderThresholdMiB * 1024 * 1024;
  const identify = (tgid: number) => () => ({ serviceName: context.processes.lookup(tgid).serviceName, cgroup: readCgroup(tgid) });
  const track = (tgid: number) => recorder.touch(tgid, identify(tgid)) as Tracked;
  /**
   * The registry's name, kept on the recorder's entry while the process can be
   * read: an OOM victim's /proc is half torn down when its kill is handled (and
   * later still on a loaded host), so its last known name is the one to keep.
   */
  const serviceOf = (tgid: number): string => {
    const named = context.processes.lookup(tgid).serviceName;
    const entry = recorder.get(tgid);
    if (named === UNKNOWN_PROCESS.serviceName) return entry?.serviceName ?? named;
    if (entry) entry.serviceName = named;
    return named;
  };
  let samples: MemorySampleRecord[] = [];
  let pendingKills: OomKill[] = [];
  let lastTop: number[] = [];

  function onKill(record: OomVictimRecord): void {
    // Named now: the victim is still alive (it dies once the kill is delivered), and the recorder knew it before.
    const known = recorder.get(record.tgid);
    // A dying task is moved out of its cgroups to the root: then the path last read while it lived names its limit.
    const fresh = readCgroup(record.tgid);
    pendingKills.push({
      record,
      serviceName: serviceOf(record.tgid),
      cgroup: fresh !== undefined && fresh !== '/' ? fresh : (known?.cgroup ?? fresh),
      timeUnixNs: context.toUnixNs(record.timeNs),
    });
  }

  /** Reads /proc for a process: its RSS sample, its major faults since the last reading. */
  function readProcess(tgid: number, entry: Tracked, endUnixNs: bigint): { proc: ProcMemory; majorDelta: number } | undefined {
    const proc = readProc(tgid);
    if (!proc) return undefined;
    const sameProcess = entry.startTimeTicks === proc.startTimeTicks && entry.majorFaults !== undefined;
    const majorDelta = sameProcess ? Math.max(0, proc.majorFaults - entry.majorFaults!) : 0;
    entry.majorFaults = proc.majorFaults;
    entry.startTimeTicks = proc.startTimeTicks;
    // First sight can come before the process joined its cgroup (a shell that joins, then execs).
    entry.cgroup = readCgroup(tgid) ?? entry.cgroup;
    recorder.add(entry, { timeUnixNs: endUnixNs, durationMs: 0, faults: 0, mmapBytes: 0, munmapBytes: 0, brkBytes: 0, rssBytes: proc.rssBytes });
    return { proc, majorDelta };
  }

  return {
    name: 'memory',
    recordTypes: ['memory-sample', 'oom-victim'],
    onRecord(record: LoaderRecord) {
      if (record.type === 'memory-sample') samples.push(record);
      else if (record.type === 'oom-victim') onKill(record);
    },
    endInterval(bounds: IntervalBounds): IntervalOutput {
      const endUnixNs = BigInt(bounds.endTime[0]) * 1_000_000_000n + BigInt(bounds.endTime[1]);
      const faultsOf = new Map<number, number>();
      samples.sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
      for (const s of samples) {
        faultsOf.set(s.tgid, (faultsOf.get(s.tgid) ?? 0) + Number(s.faults));
        recorder.add(track(s.tgid), {
          timeUnixNs: context.toUnixNs(s.slot * SLOT_NS),
          durationMs: SLOT_MS,
          faults: Number(s.faults),
          mmapBytes: Number(s.mmapBytes),
          munmapBytes: Number(s.munmapBytes),
          brkBytes: Number(s.brkBytes),
        });
      }
      samples = [];

      const faults = new Map<string, ServiceFaults>();
      const rss: ProcessRss[] = [];
      const dumps: FlightDump[] = [];
      for (const tgid of new Set([...faultsOf.keys(), ...lastTop])) {
        const entry = track(tgid);
        const read = readProcess(tgid, entry, endUnixNs);
        const serviceName = serviceOf(tgid);
        const counted = faultsOf.get(tgid) ?? 0;
        if (counted > 0) {
          // Gone before the reading: its last faults' kind is unknown, and most faults are minor.
          const major = Math.min(read?.majorDelta ?? 0, counted);
          const service = faults.get(serviceName) ?? { serviceName, major: 0, minor: 0 };
          service.major += major;
          service.minor += counted - major;
          faults.set(serviceName, service);
        }
        if (!read) continue;
        rss.push({ serviceName, tgid, rssBytes: read.proc.rssBytes });
        const over = thresholdBytes > 0 && read.proc.rssBytes >= thresholdBytes;
        if (over && !entry.overThreshold) {
          dumps.push({ serviceName, tgid, trigger: 'threshold', atUnixNs: endUnixNs, samples: recorder.dump(tgid, endUnixNs) });
        }
        entry.overThreshold = over;
      }
      rss.sort((a, b) => b.rssBytes - a.rssBytes);
      const top = rss.slice(0, options.rssTopProcesses);
      lastTop = top.map((process) => process.tgid);

      // A kill is dumped once its slot has ended before this snapshot, so its last samples are in.
      const ready = pendingKills.filter((kill) => context.toUnixNs((kill.record.timeNs / SLOT_NS + 1n) * SLOT_NS) + SLOT_SETTLE_NS <= endUnixNs);
      pendingKills = pendingKills.filter((kill) => !ready.includes(kill));
      for (const kill of ready) {
        dumps.push({ serviceName: kill.serviceName, tgid: kill.record.tgid, trigger: 'oom_kill', atUnixNs: kill.timeUnixNs, samples: recorder.dump(kill.record.tgid, kill.timeUnixNs) });
        recorder.forget(kill.record.tgid);
      }
      return {
        resourceMetrics: memoryResourceMetrics([...faults.values()], top, { hostName: context.hostName, ...bounds }),
        spans: [],
        logRecords: memoryLogRecords(ready, dumps, context.hostName),
        exitedTgids: [],
      };
    },
  };
}
