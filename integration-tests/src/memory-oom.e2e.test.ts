// An OOM kill end to end through the all-in-one process: a C program in a
// memory cgroup limited to 64 MiB idles 8 s (the agent names it meanwhile,
// even on a loaded host), then allocates 200 MiB in 4 MiB steps every 150 ms
// and is OOM-killed; the memory route returns the kill (pid, service, cgroup,
// anon RSS) with the flight recorder's samples of the seconds before it, read
// back from chDB, and diagnose names it with the service's page faults.
// Starts: one stallscope process (all modules, chDB), the memhog workload (C)
// in a cgroup of its own (v2 where it holds the memory controller, else v1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DiagnosisResponse, OomResponse } from '@stallscope/query-api';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { builtWorkload } from './fixtures/class-workloads.js';
import { createMemoryCgroup, memoryCgroupSkipReason } from './fixtures/memory-cgroup.js';
import { startStallscope } from './fixtures/stallscope-process.js';

const skipReason = bpfSkipReason() ?? memoryCgroupSkipReason();
if (skipReason) console.log(`skipping memory OOM e2e: ${skipReason}`);

const MIB = 1024 * 1024;
const LIMIT_BYTES = 64 * MIB;

test('a program allocating past its cgroup\'s 64 MiB: the OOM kill with its service, pid, anon RSS and the growth before it', { skip: skipReason, timeout: 180_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-memory-'));
  const service = `e2e-oom-${randomUUID().slice(0, 8)}`;
  const cgroup = createMemoryCgroup(`stallscope-e2e-${service}`, LIMIT_BYTES);
  try {
    const stallscope = await startStallscope('all', { STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, dataDir);
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${stallscope.url}${path}`, { headers: { authorization: `Bearer ${stallscope.token}` } });
      assert.equal(response.status, 200, `${path}: ${response.status}`);
      return (await response.json()) as T;
    };
    try {
      // The shell joins the cgroup, then execs the program in place: the pid stays, the service name comes from its environment.
      const program = builtWorkload('memhog.c');
      const hog = spawn('sh', ['-c', `echo $$ > ${cgroup.procsFile} && exec "$0" 200 4 150 8000`, program], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OTEL_SERVICE_NAME: service },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      hog.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const [code, signal] = (await once(hog, 'exit')) as [number | null, NodeJS.Signals | null];
      assert.equal(signal, 'SIGKILL', `the program was killed (exit ${code})`);
      const pid = (JSON.parse(stdout) as { pid: number }).pid;

      let kills: OomResponse['kills'] = [];
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        kills = (await get<OomResponse>(`/v1/memory/oom?service=${service}&window=15m`)).kills;
        if (kills.length > 0 && kills[0]!.flightRecorder.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      if (kills.length === 0) {
        const all = (await get<OomResponse>('/v1/memory/oom?window=15m')).kills;
        t.diagnostic(`no kill of ${service}; kills of every service: ${JSON.stringify(all.map((k) => [k.service, k.pid, k.flightRecorder.length]))}`);
        const metrics = await (await fetch(`${stallscope.url}/metrics`)).text();
        t.diagnostic(metrics.split('\n').filter((line) => /oom|memory|bpf_drops|export/.test(line) && !line.startsWith('#')).join('\n'));
      }
      assert.equal(kills.length, 1, 'one OOM kill of the service');
      const kill = kills[0]!;
      const slots = kill.flightRecorder.filter((sample) => sample.sampleMs > 0);
      const sum = (pick: (sample: (typeof slots)[number]) => number) => slots.reduce((total, sample) => total + pick(sample), 0);
      t.diagnostic(`kill: pid ${kill.pid} ${kill.command} cgroup ${kill.cgroup} anon RSS ${(kill.anonRssBytes / MIB).toFixed(1)} MiB; ${slots.length} slots: ${sum((s) => s.faults)} faults, mmap ${(sum((s) => s.mmapBytes) / MIB).toFixed(1)} MiB`);
      for (const sample of kill.flightRecorder) t.diagnostic(`  ${sample.time} ${sample.sampleMs} ms faults ${sample.faults} mmap ${sample.mmapBytes} rss ${sample.rssBytes}`);
      assert.equal(kill.pid, pid);
      assert.equal(kill.service, service);
      assert.equal(kill.command, basename(program).slice(0, 15), 'comm: the program\'s name as the kernel cuts it');
      assert.equal(kill.cgroup, cgroup.path);
      assert.equal(kill.triggerPid, pid, 'its own allocation ran out');
      assert.ok(kill.anonRssBytes > 48 * MIB && kill.anonRssBytes <= LIMIT_BYTES, `anon RSS ${kill.anonRssBytes} near the 64 MiB limit`);

      // The seconds before the kill: 4 MiB mapped and faulted in every 150 ms, up to the limit.
      const killMs = Date.parse(kill.time);
      assert.ok(slots.every((sample) => Date.parse(sample.time) <= killMs && Date.parse(sample.time) > killMs - 5_250), 'the samples are of the 5 s before the kill');
      assert.ok(slots.some((sample) => Date.parse(sample.time) + 250 > killMs), 'the slot of the kill itself is in');
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
      assert.equal(await stallscope.stop(), 0);
    }
  } finally {
    cgroup.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
