// CPU and off-CPU profiles end to end through the all-in-one process and the
// profile route: a stripped Go program burning CPU in two functions with a 3:1
// work ratio is profiled by cpu-clock sampling, its stacks named from the
// binary's pclntab, and the route returns them as folded text, a pprof profile
// (opened with go tool pprof) and speedscope JSON; the readers workload's pipe
// sleeps come back through the same route as an off-CPU profile.
// The sampling rate is the default 19 Hz: the 3:1 share itself is checked
// where thousands of samples can be had on a loaded machine (the profile
// signal's real-kernel test, at 997 Hz); here both functions must be named
// and every format must agree with the folded counts.
// Starts: one stallscope process, the cpuburner (Go, built stripped) and
// readers (C) workloads, go tool pprof.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { regularFile, runWorkload } from './fixtures/class-workloads.js';
import { startStallscope } from './fixtures/stallscope-process.js';

const goMissing = spawnSync('go', ['version'], { stdio: 'ignore' }).error ? 'the Go toolchain is not installed' : undefined;
const skipReason = bpfSkipReason() ?? goMissing;
if (skipReason) console.log(`skipping profiles e2e: ${skipReason}`);

const BURN_MS = 12_000;
/** The burner stays (idle) this long after burning: its last intervals are named while it lives. */
const LINGER_MS = 6_000;

interface FoldedLine {
  frames: string[];
  value: number;
}

function parseFolded(text: string): FoldedLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.lastIndexOf(' ');
      return { frames: line.slice(0, space).split(';'), value: Number(line.slice(space + 1)) };
    });
}

const sumWhere = (lines: readonly FoldedLine[], frame: string) => lines.filter((line) => line.frames.includes(frame)).reduce((sum, line) => sum + line.value, 0);

test('a stripped Go program burning CPU in two functions: its CPU profile names both, in every format', { skip: skipReason, timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-profiles-'));
  try {
    const stallscope = await startStallscope('all', { STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, dataDir);
    const burner = `e2e-cpu-${randomUUID().slice(0, 8)}`;
    const sleeper = `e2e-offcpu-${randomUUID().slice(0, 8)}`;
    const get = async (path: string) => {
      const response = await fetch(`${stallscope.url}${path}`, { headers: { authorization: `Bearer ${stallscope.token}` } });
      assert.equal(response.status, 200, `${path}: ${response.status}`);
      return response;
    };
    /** Polls the folded profile until two reads in a row agree and `done` holds: the workload's last intervals are in. */
    const settledFolded = async (type: string, service: string, done: (lines: FoldedLine[]) => boolean) => {
      const deadline = Date.now() + 90_000;
      let previous = '';
      let text = '';
      while (Date.now() < deadline) {
        text = await (await get(`/v1/profiles/${type}?service=${service}&window=15m`)).text();
        if (text === previous && done(parseFolded(text))) break;
        previous = text;
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      return parseFolded(text);
    };
    try {
      await Promise.all([
        runWorkload('cpuburner', [String(BURN_MS), '2', String(LINGER_MS)], burner, { goStripped: true }),
        // As long as the burner: a loaded host's agent may name a process's stacks an interval or two late.
        runWorkload('readers.c', [String(BURN_MS + LINGER_MS), regularFile()], sleeper),
      ]);

      const cpu = await settledFolded('cpu', burner, (lines) => sumWhere(lines, 'main.burnLight') > 0);
      for (const line of cpu.slice(0, 5)) t.diagnostic(`${line.value} ${line.frames.join(';')}`);
      const heavy = sumWhere(cpu, 'main.burnHeavy');
      const light = sumWhere(cpu, 'main.burnLight');
      const total = cpu.reduce((sum, line) => sum + line.value, 0);
      t.diagnostic(`samples: burnHeavy ${heavy}, burnLight ${light}, all ${total}; ratio ${(heavy / light).toFixed(3)}`);
      assert.ok(heavy + light > 0.5 * total, 'most samples are in the two functions (names from the stripped binary)');
      assert.ok(heavy > light && light > 0, `both named, burnHeavy (${heavy} samples) above burnLight (${light})`);
      assert.ok(cpu.some((line) => line.frames.at(-1) === 'main.burnHeavy' && line.frames.length > 1), 'root first: burnHeavy is the leaf');

      const pprofFile = join(dataDir, 'cpu.pb.gz');
      writeFileSync(pprofFile, Buffer.from(await (await get(`/v1/profiles/cpu?service=${burner}&window=15m&format=pprof`)).arrayBuffer()));
      const top = spawnSync('go', ['tool', 'pprof', '-top', '-sample_index=samples', pprofFile], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
      assert.equal(top.status, 0, top.stderr);
      t.diagnostic(top.stdout.split('\n').slice(0, 8).join('\n'));
      // cum: every sample with the function on its stack, as the folded sums count (kernel frames may sit above it).
      const cumOf = (name: string) => Number(top.stdout.split('\n').find((line) => line.trim().endsWith(` ${name}`))?.trim().split(/\s+/)[3]);
      assert.equal(cumOf('main.burnHeavy'), heavy, 'go tool pprof counts the samples under burnHeavy');
      assert.equal(cumOf('main.burnLight'), light);

      const speedscope = (await (await get(`/v1/profiles/cpu?service=${burner}&window=15m&format=speedscope`)).json()) as {
        shared: { frames: { name: string }[] };
        profiles: { type: string; samples: number[][]; weights: number[]; endValue: number }[];
      };
      const [profile] = speedscope.profiles;
      assert.equal(profile?.type, 'sampled');
      assert.equal(profile.samples.length, cpu.length);
      assert.ok(profile.samples.every((sample) => sample.every((index) => speedscope.shared.frames[index] !== undefined)), 'every frame index resolves');
      assert.equal(profile.endValue, profile.weights.reduce((sum, weight) => sum + weight, 0));

      const offcpu = await settledFolded('offcpu', sleeper, (lines) => lines.some((line) => line.frames.some((frame) => /^\[k\] [a-z_]*pipe_read$/.test(frame))));
      for (const line of offcpu.slice(0, 3)) t.diagnostic(`${line.value} ns ${line.frames.join(';')}`);
      const pipeNs = offcpu.filter((line) => line.frames.some((frame) => /^\[k\] [a-z_]*pipe_read$/.test(frame))).reduce((sum, line) => sum + line.value, 0);
      assert.ok(pipeNs > 1e9, `the pipe reader slept in pipe_read (${pipeNs} ns)`);
      const pipeLines = offcpu.filter((line) => line.frames.some((frame) => /^\[k\] [a-z_]*pipe_read$/.test(frame)));
      assert.ok(pipeLines.every((line) => line.frames.at(-1) === '[k] __schedule'), 'the pipe reads end in the scheduler, root first');
    } finally {
      assert.equal(await stallscope.stop(), 0);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
