// OOM kills end to end through the all-in-one process, each in a memory cgroup
// limited to 64 MiB, read back from chDB:
// - a C program idles 8 s (the agent names it meanwhile, even on a loaded
//   host), then allocates 200 MiB in 4 MiB steps every 150 ms and is
//   OOM-killed; the memory route returns the kill (pid, service, cgroup, anon
//   RSS) with the flight recorder's samples of the seconds before it, and
//   diagnose names it with the service's page faults;
// - a program that took 48 MiB and then sits idle is killed for another's
//   allocation: its flight recorder still reaches the slot of the kill.
// Starts: one stallscope process (all modules, chDB), the memhog workload (C)
// in cgroups of its own (v2 where it holds the memory controller, else v1).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DiagnosisResponse, OomResponse } from '@stallscope/query-api';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { builtWorkload } from './fixtures/class-workloads.js';
import { createMemoryCgroup, memoryCgroupSkipReason, type MemoryCgroup } from './fixtures/memory-cgroup.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const skipReason = bpfSkipReason() ?? memoryCgroupSkipReason();
if (skipReason) console.log(`skipping memory OOM e2e: ${skipReason}`);

const MIB = 1024 * 1024;
const LIMIT_BYTES = 64 * MIB;
const SLOT_MS = 250;

let dataDir = '';
let stallscope: StallscopeProcess | undefined;

before(async () => {
  if (skipReason) return;
  dataDir = mkdtempSync(join(tmpdir(), 'stallscope-memory-'));
  stallscope = await startStallscope('all', { STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, dataDir);
});

after(async () => {
  if (stallscope) assert.equal(await stallscope.stop(), 0);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<T> {
  const response = await fetch(`${stallscope!.url}${path}`, { headers: { authorization: `Bearer ${stallscope!.token}` } });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** memhog with `args`, as `service`, in `cgroup`: the shell joins it, then execs the program in place (the pid stays). */
function startMemhog(cgroup: MemoryCgroup, service: string, args: number[]): { child: ChildProcess; pid: Promise<number> } {
  const child = spawn('sh', ['-c', `echo $$ > ${cgroup.procsFile} && exec "$0" ${args.join(' ')}`, builtWorkload('memhog.c')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OTEL_SERVICE_NAME: service },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve((JSON.parse(stdout) as { pid: number }).pid);
    });
    child.once('exit', () => reject(new Error(`memhog exited before printing its pid: ${JSON.stringify(stdout)}`)));
  });
  return { child, pid };
}

/** The service's OOM kills once the newest has its flight recorder; the kills of every service as a diagnostic if none. */
async function killsOf(t: { diagnostic(message: string): void }, service: string): Promise<OomResponse['kills']> {
  let kills: OomResponse['kills'] = [];
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(1000)) {
    kills = (await get<OomResponse>(`/v1/memory/oom?service=${service}&window=15m`)).kills;
    if (kills.length > 0 && kills[0]!.flightRecorder.length > 0) break;
  }
  if (kills.length === 0) {
    const all = (await get<OomResponse>('/v1/memory/oom?window=15m')).kills;
    t.diagnostic(`no kill of ${service}; kills of every service: ${JSON.stringify(all.map((k) => [k.service, k.pid, k.flightRecorder.length]))}`);
    const metrics = await (await fetch(`${stallscope!.url}/metrics`, { headers: { authorization: `Bearer ${stallscope!.token}` } })).text();
    t.diagnostic(metrics.split('\n').filter((line) => /oom|memory|bpf_drops|export/.test(line) && !line.startsWith('#')).join('\n'));
  }
  return kills;
}

type Kill = OomResponse['kills'][number];

/** The kill's slots (RSS readings left out), each printed as a diagnostic. */
function slotsOf(t: { diagnostic(message: string): void }, kill: Kill): Kill['flightRecorder'] {
  for (const sample of kill.flightRecorder) t.diagnostic(`  ${sample.time} ${sample.sampleMs} ms faults ${sample.faults} mmap ${sample.mmapBytes} rss ${sample.rssBytes}`);
  return kill.flightRecorder.filter((sample) => sample.sampleMs > 0);
}

/** Every slot is of the 5 s before the kill, and the slot holding the kill itself is one of them. */
function assertSlotsReachTheKill(kill: Kill, slots: Kill['flightRecorder']): void {
  const killMs = Date.parse(kill.time);
  assert.ok(slots.every((sample) => Date.parse(sample.time) <= killMs && Date.parse(sample.time) > killMs - 5_000 - SLOT_MS), 'the samples are of the 5 s before the kill');
  assert.ok(slots.some((sample) => Date.parse(sample.time) + SLOT_MS > killMs), 'the slot of the kill itself is in');
}

test('a program allocating past its cgroup\'s 64 MiB: the OOM kill with its service, pid, anon RSS and the growth before it', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const service = `e2e-oom-${randomUUID().slice(0, 8)}`;
  const cgroup = createMemoryCgroup(`stallscope-e2e-${service}`, LIMIT_BYTES);
  try {
    const hog = startMemhog(cgroup, service, [200, 4, 150, 8000]);
    const [code, signal] = (await once(hog.child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL', `the program was killed (exit ${code})`);
    const pid = await hog.pid;

    const kills = await killsOf(t, service);
    assert.equal(kills.length, 1, 'one OOM kill of the service');
    const kill = kills[0]!;
    const slots = slotsOf(t, kill);
    const sum = (pick: (sample: (typeof slots)[number]) => number) => slots.reduce((total, sample) => total + pick(sample), 0);
    t.diagnostic(`kill: pid ${kill.pid} ${kill.command} cgroup ${kill.cgroup} anon RSS ${(kill.anonRssBytes / MIB).toFixed(1)} MiB; ${slots.length} slots: ${sum((s) => s.faults)} faults, mmap ${(sum((s) => s.mmapBytes) / MIB).toFixed(1)} MiB`);
    assert.equal(kill.pid, pid);
    assert.equal(kill.service, service);
    assert.equal(kill.command, basename(builtWorkload('memhog.c')).slice(0, 15), 'comm: the program\'s name as the kernel cuts it');
    assert.equal(kill.cgroup, cgroup.path);
    assert.equal(kill.triggerPid, pid, 'its own allocation ran out');
    assert.ok(kill.anonRssBytes > 48 * MIB && kill.anonRssBytes <= LIMIT_BYTES, `anon RSS ${kill.anonRssBytes} near the 64 MiB limit`);

    // The seconds before the kill: 4 MiB mapped and faulted in every 150 ms, up to the limit.
    assertSlotsReachTheKill(kill, slots);
    const mapped = sum((s) => s.mmapBytes);
      const faults = sum((s) => s.faults);
      assert.ok(mapped >= 48 * MIB, `the recorder saw ${mapped} bytes mapped before the kill`);
      assert.ok(faults >= (48 * MIB) / 4096, `and ${faults} pages faulted in`);
      const busy = slots.filter((sample) => sample.mmapBytes > 0);
      assert.ok(busy.length >= 3, `growth over several slots (${busy.length}), not one burst`);

      // The kill's event can be stored before the fault counts of the intervals that ended with it (a loaded host, CI).
      let diagnosis = await get<DiagnosisResponse>(`/v1/diagnose/${service}?window=15m`);
      for (const countsDeadline = Date.now() + 20_000; Date.now() < countsDeadline; ) {
        if (diagnosis.memory.majorFaults + diagnosis.memory.minorFaults >= faults * 0.9) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        diagnosis = await get<DiagnosisResponse>(`/v1/diagnose/${service}?window=15m`);
      }
      assert.equal(diagnosis.memory.oomKills.length, 1);
      assert.equal(diagnosis.memory.oomKills[0]!.pid, pid);
      // Near the limit the kernel reclaims the program's own text pages, which fault back in from disk: major faults.
      const { majorFaults, minorFaults } = diagnosis.memory;
      t.diagnostic(`diagnose: ${majorFaults} major, ${minorFaults} minor faults`);
    assert.ok(majorFaults + minorFaults >= faults * 0.9, `diagnose counts the service's faults (${majorFaults} major, ${minorFaults} minor)`);
  } finally {
    cgroup.remove();
  }
});

test('an idle program killed for another\'s allocation: its kill names the other as trigger, and its flight recorder reaches the kill', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const victimService = `e2e-oom-idle-${randomUUID().slice(0, 8)}`;
  const cgroup = createMemoryCgroup(`stallscope-e2e-${victimService}`, LIMIT_BYTES);
  try {
    // 48 MiB taken at once, then held idle; the agent names it while it holds.
    const victim = startMemhog(cgroup, victimService, [48, 4, 10, 0, 120_000]);
    const victimPid = await victim.pid;
    await sleep(2000);
    // Another service in the cgroup grows by 4 MiB every 150 ms; the larger, idle victim is the one the kernel picks.
    const grower = startMemhog(cgroup, `e2e-oom-grower-${randomUUID().slice(0, 8)}`, [40, 4, 150, 500]);
    const growerPid = await grower.pid;
    const [victimCode, victimSignal] = (await once(victim.child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(victimSignal, 'SIGKILL', `the idle program was killed (exit ${victimCode})`);
    const [growerCode] = (await once(grower.child, 'exit')) as [number | null];
    assert.equal(growerCode, 0, 'the growing program got its 40 MiB once the other was gone');

    const kills = await killsOf(t, victimService);
    assert.equal(kills.length, 1, 'one OOM kill of the idle service');
    const kill = kills[0]!;
    t.diagnostic(`kill: pid ${kill.pid} trigger ${kill.triggerPid} ${kill.time}`);
    const slots = slotsOf(t, kill);
    assert.equal(kill.pid, victimPid);
    assert.equal(kill.triggerPid, growerPid, 'the other program\'s allocation ran out');
    assert.equal(kill.cgroup, cgroup.path);
    assertSlotsReachTheKill(kill, slots);
    const killSlot = slots.find((sample) => Date.parse(sample.time) + SLOT_MS > Date.parse(kill.time))!;
    assert.deepEqual([killSlot.faults, killSlot.mmapBytes], [0, 0], 'nothing of its own in the slot of the kill: it sat idle');
  } finally {
    cgroup.remove();
  }
});
