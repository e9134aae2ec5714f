import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_SLOT_NS, MemoryLogAttr, OOM_KILL_EVENT, MEMORY_FLIGHT_RECORD_EVENT } from '@stallscope/schemas';
import type { MemorySampleRecord, OomVictimRecord } from '../../src/loader/records.js';
import { ProcessRegistry } from '../../src/process/process-registry.js';
import { createMemorySignal } from './memory-signal.js';
import type { ProcMemory } from './proc-memory.js';

const SLOT = BigInt(MEMORY_SLOT_NS);
const sample = (tgid: number, slot: bigint, faults: number, mmapBytes = 0): MemorySampleRecord => ({
  type: 'memory-sample',
  tgid,
  slot,
  faults: BigInt(faults),
  mmapBytes: BigInt(mmapBytes),
  munmapBytes: 0n,
  brkBytes: 0n,
  mmapCalls: mmapBytes > 0 ? 1 : 0,
  munmapCalls: 0,
  brkCalls: 0,
});
const victim = (tgid: number, timeNs: bigint): OomVictimRecord => ({
  type: 'oom-victim',
  tgid,
  triggerTgid: tgid,
  timeNs,
  totalVmKib: 300_000n,
  anonRssKib: 65_000n,
  fileRssKib: 1_000n,
  shmemRssKib: 0n,
  pgtablesKib: 200n,
  uid: 0,
  oomScoreAdj: 0,
  comm: 'hog',
});
const endTime = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];

function signalWith(proc: Map<number, ProcMemory>, thresholdMiB = 0, readCgroup = (tgid: number): string | undefined => `/stallscope-test/${tgid}`) {
  const processes = new ProcessRegistry(100, (tgid) => ({ serviceName: `svc-${tgid}`, executableName: 'hog', containerId: undefined }), () => 1);
  return createMemorySignal(
    { hostName: 'h', processes, toUnixNs: (ns) => ns, command: () => {} },
    {
      flightRecorderSeconds: 1,
      flightRecorderMaxProcesses: 8,
      flightRecorderThresholdMiB: thresholdMiB,
      rssTopProcesses: 4,
      readProc: (tgid) => proc.get(tgid),
      readCgroup,
    },
  );
}

test('an OOM kill becomes a log record with the victim\'s figures, and its flight recorder\'s last second once its slot is in', () => {
  const proc = new Map<number, ProcMemory>([[42, { majorFaults: 0, rssBytes: 60 << 20, startTimeTicks: 1 }]]);
  const signal = signalWith(proc);
  const killAt = 10n * SLOT + 100n;
  for (let slot = 4n; slot <= 9n; slot++) signal.onRecord(sample(42, slot, 1000 * Number(slot), 1 << 20));
  signal.onRecord(victim(42, killAt));
  // Snapshot before the kill's slot ended: the kill waits for its last slot.
  const early = signal.endInterval({ startTime: [0, 0], endTime: endTime(10n * SLOT + 50n) });
  assert.deepEqual(early.logRecords, []);
  proc.delete(42);
  signal.onRecord(sample(42, 10n, 555));
  const late = signal.endInterval({ startTime: [0, 0], endTime: endTime(12n * SLOT) });
  const kill = late.logRecords.find((r) => r.eventName === OOM_KILL_EVENT);
  assert.ok(kill);
  assert.equal(kill.resource.attributes['service.name'], 'svc-42');
  assert.equal(kill.attributes[MemoryLogAttr.processPid], 42);
  assert.equal(kill.attributes[MemoryLogAttr.anonRssBytes], 65_000 * 1024);
  assert.equal(kill.attributes[MemoryLogAttr.cgroup], '/stallscope-test/42');
  const dumpId = kill.attributes[MemoryLogAttr.dumpId];
  const flight = late.logRecords.filter((r) => r.eventName === MEMORY_FLIGHT_RECORD_EVENT);
  assert.ok(flight.every((r) => r.attributes[MemoryLogAttr.dumpId] === dumpId && r.attributes[MemoryLogAttr.dumpTrigger] === 'oom_kill'));
  // One second back from the kill: slots 6..10 (slot 6 ends inside the window), and the RSS read at the first snapshot.
  assert.deepEqual(
    flight.map((r) => r.attributes[MemoryLogAttr.rssBytes] ?? r.attributes[MemoryLogAttr.faults]),
    [6000, 7000, 8000, 9000, 555, 60 << 20],
  );
});

test('a process crossing the threshold dumps once, and again only after falling below', () => {
  const proc = new Map<number, ProcMemory>([[7, { majorFaults: 0, rssBytes: 100 << 20, startTimeTicks: 1 }]]);
  const signal = signalWith(proc, 64);
  const dumps = (slot: bigint, rssMiB: number) => {
    proc.set(7, { majorFaults: 0, rssBytes: rssMiB << 20, startTimeTicks: 1 });
    signal.onRecord(sample(7, slot, 10));
    return signal.endInterval({ startTime: [0, 0], endTime: endTime((slot + 1n) * SLOT) }).logRecords.filter((r) => r.attributes[MemoryLogAttr.dumpTrigger] === 'threshold').length;
  };
  assert.ok(dumps(1n, 100) > 0, 'crossed: dumped');
  assert.equal(dumps(2n, 120), 0, 'still over: not again');
  assert.equal(dumps(3n, 10), 0, 'below');
  assert.ok(dumps(4n, 80) > 0, 'crossed again: dumped');
});

test('major faults are /proc\'s majflt delta, the rest of the kernel\'s count is minor', () => {
  const proc = new Map<number, ProcMemory>([[9, { majorFaults: 100, rssBytes: 1 << 20, startTimeTicks: 1 }]]);
  const signal = signalWith(proc);
  signal.onRecord(sample(9, 1n, 50));
  signal.endInterval({ startTime: [0, 0], endTime: endTime(2n * SLOT) });
  proc.set(9, { majorFaults: 130, rssBytes: 2 << 20, startTimeTicks: 1 });
  signal.onRecord(sample(9, 2n, 200));
  const output = signal.endInterval({ startTime: [0, 0], endTime: endTime(3n * SLOT) });
  const metrics = output.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  const faults = metrics.find((m) => m.descriptor.name === 'process.paging.faults');
  assert.deepEqual(faults?.dataPoints.map((p) => [p.attributes['system.paging.fault.type'], p.value]), [['major', 30], ['minor', 170]]);
  const rss = metrics.find((m) => m.descriptor.name === 'process.memory.usage');
  assert.deepEqual(rss?.dataPoints.map((p) => p.value), [2 << 20]);
});

test("the kill names the cgroup the victim lived in: joined after first sight, and left for the root as it dies", () => {
  const proc = new Map<number, ProcMemory>([[43, { majorFaults: 0, rssBytes: 60 << 20, startTimeTicks: 1 }]]);
  let cgroup = '/';
  const signal = signalWith(proc, 0, () => cgroup);
  signal.onRecord(sample(43, 1n, 10));
  // First seen from the shell, before it joined the limited cgroup and exec'd the program.
  signal.endInterval({ startTime: [0, 0], endTime: endTime(2n * SLOT) });
  cgroup = '/limited';
  signal.onRecord(sample(43, 2n, 1000, 1 << 20));
  signal.endInterval({ startTime: [0, 0], endTime: endTime(3n * SLOT) });
  // The kernel moves an exiting task to the root cgroup.
  cgroup = '/';
  signal.onRecord(victim(43, 3n * SLOT + 1n));
  proc.delete(43);
  const out = signal.endInterval({ startTime: [0, 0], endTime: endTime(5n * SLOT) });
  const kill = out.logRecords.find((r) => r.eventName === OOM_KILL_EVENT);
  assert.ok(kill);
  assert.equal(kill.attributes[MemoryLogAttr.cgroup], '/limited');
});
