// OOM kills with the flight recorder's samples of the seconds before each,
// from the memory signal's log records: the kills and their samples share a
// dump id, so one query returns both.
import { MEMORY_FLIGHT_RECORD_EVENT, MemoryLogAttr, OOM_KILL_EVENT } from '@stallscope/schemas';
import type { Store } from '@stallscope/store';
import type { ServiceScope } from '../access/principal.js';
import { scopeCondition } from '../access/scope.js';
import type { QueryApiConfig } from '../config.js';
import type { TimeRange } from '../kernel/time-ranges.js';
import { queryRows, type BoundQuery } from '../store/run-query.js';

/** Flight records precede their kill by the recorder's window: the look-back for them reaches this much further. */
const FLIGHT_RECORD_LEAD_SECONDS = 600;

export interface FlightRecorderSample {
  time: string;
  /** A kernel slot's length; 0 for an RSS reading from /proc. */
  sampleMs: number;
  faults: number;
  mmapBytes: number;
  munmapBytes: number;
  brkBytes: number;
  /** Set on RSS readings. */
  rssBytes: number | null;
}

export interface OomKill {
  time: string;
  service: string;
  host: string;
  pid: number;
  command: string;
  cgroup: string;
  anonRssBytes: number;
  fileRssBytes: number;
  shmemRssBytes: number;
  totalVmBytes: number;
  oomScoreAdj: number;
  /** The process whose allocation found no memory. */
  triggerPid: number;
  /** The victim's last seconds, oldest first. */
  flightRecorder: FlightRecorderSample[];
}

export interface OomKillsFilter {
  service?: string | undefined;
  range: TimeRange;
  limit: number;
}

/** The newest `limit` kills in the range and every flight record of theirs; all values bound. */
export function oomKillsSql(filter: OomKillsFilter, scope: ServiceScope): BoundQuery {
  const params: BoundQuery['params'] = {
    fromSeconds: filter.range.fromSeconds,
    toSeconds: filter.range.toSeconds,
    leadSeconds: FLIGHT_RECORD_LEAD_SECONDS,
    limit: filter.limit,
    killEvent: OOM_KILL_EVENT,
    flightEvent: MEMORY_FLIGHT_RECORD_EVENT,
    dumpIdKey: MemoryLogAttr.dumpId,
  };
  const killConditions = [
    'EventName = {killEvent:String}',
    'Timestamp >= toDateTime64({fromSeconds:UInt32}, 9)',
    'Timestamp < toDateTime64({toSeconds:UInt32}, 9)',
  ];
  if (filter.service !== undefined) {
    killConditions.push('ServiceName = {service:String}');
    params.service = filter.service;
  }
  const scoped = scopeCondition(scope, 'ServiceName');
  if (scoped) {
    killConditions.push(scoped.condition);
    Object.assign(params, scoped.params);
  }
  const query = `
    SELECT EventName AS event, toString(toUnixTimestamp64Nano(Timestamp)) AS timeNs, ServiceName AS service,
      ResourceAttributes['host.name'] AS host, LogAttributes AS attributes
    FROM otel_logs
    WHERE EventName IN ({killEvent:String}, {flightEvent:String})
      AND Timestamp >= toDateTime64({fromSeconds:UInt32}, 9) - toIntervalSecond({leadSeconds:UInt32})
      AND Timestamp < toDateTime64({toSeconds:UInt32}, 9)
      AND (ResourceAttributes['host.name'], LogAttributes[{dumpIdKey:String}]) IN (
        SELECT ResourceAttributes['host.name'], LogAttributes[{dumpIdKey:String}] FROM otel_logs
        WHERE ${killConditions.join(' AND ')}
        ORDER BY Timestamp DESC
        LIMIT {limit:UInt32})
    ORDER BY Timestamp, event`;
  return { query, params };
}

interface StoredRow {
  event: string;
  timeNs: string;
  service: string;
  host: string;
  attributes: Record<string, string>;
}

const isoOf = (timeNs: string) => new Date(Number(BigInt(timeNs) / 1_000_000n)).toISOString();
const numberOf = (attributes: Record<string, string>, key: string) => Number(attributes[key] ?? 0);

/** Kills newest first, each with its flight recorder's samples (a dump id is unique on its host: a pid at a moment). */
export function oomKillsOf(rows: readonly StoredRow[]): OomKill[] {
  const kills = new Map<string, OomKill>();
  const samples = new Map<string, FlightRecorderSample[]>();
  for (const row of rows) {
    const dumpId = `${row.host}\0${row.attributes[MemoryLogAttr.dumpId] ?? ''}`;
    const a = row.attributes;
    if (row.event === OOM_KILL_EVENT) {
      kills.set(dumpId, {
        time: isoOf(row.timeNs),
        service: row.service,
        host: row.host,
        pid: numberOf(a, MemoryLogAttr.processPid),
        command: a[MemoryLogAttr.processCommand] ?? '',
        cgroup: a[MemoryLogAttr.cgroup] ?? '',
        anonRssBytes: numberOf(a, MemoryLogAttr.anonRssBytes),
        fileRssBytes: numberOf(a, MemoryLogAttr.fileRssBytes),
        shmemRssBytes: numberOf(a, MemoryLogAttr.shmemRssBytes),
        totalVmBytes: numberOf(a, MemoryLogAttr.totalVmBytes),
        oomScoreAdj: numberOf(a, MemoryLogAttr.oomScoreAdj),
        triggerPid: numberOf(a, MemoryLogAttr.triggerPid),
        flightRecorder: [],
      });
      continue;
    }
    const list = samples.get(dumpId) ?? [];
    samples.set(dumpId, list);
    list.push({
      time: isoOf(row.timeNs),
      sampleMs: numberOf(a, MemoryLogAttr.sampleMs),
      faults: numberOf(a, MemoryLogAttr.faults),
      mmapBytes: numberOf(a, MemoryLogAttr.mmapBytes),
      munmapBytes: numberOf(a, MemoryLogAttr.munmapBytes),
      brkBytes: numberOf(a, MemoryLogAttr.brkBytes),
      rssBytes: a[MemoryLogAttr.rssBytes] === undefined ? null : Number(a[MemoryLogAttr.rssBytes]),
    });
  }
  for (const [dumpId, kill] of kills) kill.flightRecorder = samples.get(dumpId) ?? [];
  return [...kills.values()].reverse();
}

export async function queryOomKills(client: Store['client'], filter: OomKillsFilter, scope: ServiceScope, limits: QueryApiConfig): Promise<OomKill[]> {
  return oomKillsOf(await queryRows<StoredRow>(client, oomKillsSql(filter, scope), limits));
}
