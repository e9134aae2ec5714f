// What the harnesses in bench/ share: progress bars, medians, tables, the
// bench-only builds, tracer processes, and per-program BPF run-time counters.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

export const repoRoot = join(import.meta.dirname, '..', '..');
/** Bench builds live in the repo's git-ignored cache, rebuilt every run (they take a second). */
export const buildDir = join(repoRoot, '.cache', 'bench');
export const run = promisify(execFile);

/** Progress on stderr: a bar rewritten in place on a terminal, one plain line per step otherwise. */
export { createProgress } from '@stallscope/common';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** A plain-text table (also valid Markdown), columns padded to their widest cell. */
export function printTable(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(line(cells[0]));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of cells.slice(1)) console.log(line(row));
}

export function requireRoot(name) {
  if (process.getuid?.() !== 0) {
    console.error(`${name}: needs root to attach BPF programs`);
    process.exit(1);
  }
}

export function buildC(source, output, extraArgs = []) {
  mkdirSync(buildDir, { recursive: true });
  const out = join(buildDir, output);
  execFileSync('cc', ['-O2', '-Wall', '-o', out, join(repoRoot, 'bench', source), ...extraArgs]);
  return out;
}

let probeAttacher;

/**
 * bench/<name>.bpf.c built, with the program that loads and attaches any such
 * object (bench/empty-syscall-probes.c, built once per run).
 */
export function buildProbes(name) {
  mkdirSync(buildDir, { recursive: true });
  const object = join(buildDir, `${name}.bpf.o`);
  // vmlinux.h comes from the agent's build (setup runs it), as for the real signals; so do the record layouts and histogram helpers.
  const includes = [join('bpf-agent', 'build'), join('schemas', 'loader'), join('bpf-agent', 'signals')].flatMap((dir) => ['-I', join(repoRoot, dir)]);
  execFileSync('clang', ['-O2', '-g', '-Wall', '-target', 'bpf', ...includes, '-c', join(repoRoot, 'bench', `${name}.bpf.c`), '-o', object]);
  probeAttacher ??= buildC('empty-syscall-probes.c', 'empty-syscall-probes', ['-lbpf']);
  return { loader: probeAttacher, object };
}

/** A Go program under bench/<dir>, stdlib only; the build cache stays in the repo's cache. */
export function buildGo(dir) {
  const cache = join(repoRoot, '.cache', 'go-build');
  mkdirSync(cache, { recursive: true });
  const out = join(buildDir, dir);
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: join(repoRoot, 'bench', dir),
    env: { ...process.env, GOCACHE: cache, GOFLAGS: '-mod=mod' },
  });
  return out;
}

export function hasCommand(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a long-running tracer and resolves once `ready` (a RegExp) matched a
 * line of its stdout; its later output is drained and dropped. stop() sends
 * `stopSignal` and resolves when it has exited.
 */
export async function startTracer(command, args, { ready, stopSignal = 'SIGTERM', settleMs = 0 }) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      seen += chunk.toString();
      if (ready.test(seen)) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        child.stdout.resume();
        resolve();
      }
    };
    const onExit = (code) => reject(new Error(`${command} exited with ${code} before it was ready`));
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return {
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill(stopSignal);
      }),
  };
}

/**
 * kernel.bpf_stats_enabled on for the duration of fn: the kernel then counts
 * run_cnt/run_time_ns per program. It adds two clock reads per program run,
 * so timed rounds run with it off and attribution runs separately.
 */
export async function withBpfStats(fn) {
  const path = '/proc/sys/kernel/bpf_stats_enabled';
  const before = readFileSync(path, 'utf8').trim();
  writeFileSync(path, '1');
  try {
    return await fn();
  } finally {
    writeFileSync(path, before);
  }
}

/** Ids of the BPF programs a process holds, from its fds (programs and links name a prog_id in fdinfo). */
function bpfProgramIdsOf(pid) {
  const ids = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let info;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const id = /^prog_id:\s+(\d+)/m.exec(info)?.[1];
    if (id) ids.add(Number(id));
  }
  return ids;
}

/** The BPF programs the processes hold, with their run counters. */
export async function bpfProgramsOf(pids) {
  const ids = new Set(pids.flatMap((pid) => [...bpfProgramIdsOf(pid)]));
  const { stdout } = await run('bpftool', ['prog', 'show', '--json'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout)
    .filter((prog) => ids.has(prog.id))
    .map((prog) => ({ id: prog.id, name: prog.name, runTimeNs: prog.run_time_ns ?? 0, runCount: prog.run_cnt ?? 0 }));
}

/** Per program: runs and ns/run between two bpfProgramsOf snapshots. */
export function bpfProgramDeltas(before, after) {
  return after.map((program) => {
    const start = before.find((earlier) => earlier.id === program.id) ?? { runTimeNs: 0, runCount: 0 };
    const runs = program.runCount - start.runCount;
    const runTimeNs = program.runTimeNs - start.runTimeNs;
    return { name: program.name, runs, runTimeNs, nsPerRun: runs > 0 ? runTimeNs / runs : 0 };
  });
}

/** utime+stime of a process in seconds (/proc/PID/stat fields 14 and 15). */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
}

let ticks;
function clockTicksPerSecond() {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  return ticks;
}

/** VmRSS and VmHWM of a process in MB (/proc/PID/status). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

export const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const kafkaScript = join(repoRoot, 'infra', 'kafka', 'kafka.sh');

/** Why a local Kafka broker cannot run here, or undefined when it can. */
export function kafkaSkipReason() {
  for (const tool of ['java', 'mvn']) {
    if (!hasCommand(tool)) return `${tool} not found; the local Kafka broker (infra/kafka) needs Java 17+ and Maven (scripts/setup.sh --for-bench)`;
  }
  return undefined;
}

/** The first of `count` consecutive free ports on 127.0.0.1. */
async function freePortRun(count) {
  const listen = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const bound = server.address().port;
        server.close(() => resolve(bound));
      });
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listen(0);
    if (!port || port + count - 1 > 65535) continue;
    let free = true;
    for (let next = port + 1; free && next < port + count; next++) free = (await listen(next)) !== undefined;
    if (free) return port;
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1`);
}

/** A single-node broker (infra/kafka) in a temp dir, with its pid; stop() ends it and removes the dir. */
export async function startKafkaBroker() {
  await run('bash', [kafkaScript, 'fetch'], { timeout: 300_000 });
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-bench-kafka-'));
  const port = await freePortRun(2);
  await run('bash', [kafkaScript, 'start', '--dir', dir, '--port', String(port)], { timeout: 180_000 });
  return {
    brokers: `127.0.0.1:${port}`,
    pid: Number(readFileSync(join(dir, 'kafka.pid'), 'utf8')),
    async stop() {
      await run('bash', [kafkaScript, 'stop', '--dir', dir], { timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether infra/kafka can run a cluster on this machine (kafka.sh start-cluster). */
export function kafkaClusterSupported() {
  return readFileSync(kafkaScript, 'utf8').includes('start-cluster');
}

/**
 * A cluster of `nodes` KRaft nodes (kafka.sh start-cluster: brokers on
 * consecutive ports, controllers after them) in a temp dir, with the brokers'
 * pids; stop() ends it and removes the dir.
 */
export async function startKafkaCluster(nodes) {
  await run('bash', [kafkaScript, 'fetch'], { timeout: 300_000 });
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-bench-kafka-cluster-'));
  const port = await freePortRun(2 * nodes);
  await run('bash', [kafkaScript, 'start-cluster', '--dir', dir, '--nodes', String(nodes), '--port', String(port)], { timeout: 300_000 });
  const nodeNumbers = Array.from({ length: nodes }, (_, index) => index + 1);
  return {
    brokers: nodeNumbers.map((node) => `127.0.0.1:${port + node - 1}`).join(','),
    pids: nodeNumbers.map((node) => Number(readFileSync(join(dir, `node-${node}`, 'kafka.pid'), 'utf8'))),
    async stop() {
      await run('bash', [kafkaScript, 'stop-cluster', '--dir', dir], { timeout: 120_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The real agent: `node services/launcher/dist/main.js --target agent` on the
 * Kafka transport. Resolves once it logged "stallscope ready", with its pid and
 * its loader child's pid.
 */
export async function startAgent(brokers, env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-bench-agent-'));
  const child = spawn(process.execPath, [join(repoRoot, 'services', 'launcher', 'dist', 'main.js'), '--target', 'agent'], {
    env: {
      ...process.env,
      STALLSCOPE_TRANSPORT_KIND: 'kafka',
      STALLSCOPE_TRANSPORT_KAFKA_BROKERS: brokers,
      STALLSCOPE_DATA_DIR: dataDir,
      STALLSCOPE_SERVER_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const loaderPid = await new Promise((resolve, reject) => {
    let seen = '';
    let loader;
    const onData = (chunk) => {
      seen += chunk.toString();
      loader ??= /"loaderPid":(\d+)/.exec(seen)?.[1];
      if (/"msg":"stallscope ready"/.test(seen)) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(Number(loader));
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`the agent exited with ${code} before it was ready:\n${seen}`)));
  });
  return {
    pid: child.pid,
    loaderPid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** bench/goserver started; resolves once it listens, with its URL. */
export async function startGoServer() {
  const server = spawn(buildGo('goserver'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => server.stdout.once('data', (chunk) => resolve(chunk.toString().trim())));
  return { pid: server.pid, url, stop: () => server.kill() };
}

const durationMs = (value, unit) => Number(value) * { us: 1e-3, ms: 1, s: 1e3 }[unit];

/** `wrk -t1 -c32` against url for `seconds`: req/s, requests and p99 (ms). */
export async function wrkSaturated(url, seconds) {
  const { stdout } = await run('wrk', ['-t1', '-c32', `-d${seconds}s`, '--latency', url]);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)$/m.exec(stdout);
  return {
    rps: Number(/^Requests\/sec:\s+([\d.]+)/m.exec(stdout)[1]),
    requests: Number(/^\s*(\d+) requests in/m.exec(stdout)[1]),
    p99Ms: durationMs(p99[1], p99[2]),
  };
}

/** fn() under a running agent (startAgent), with what the agent spent over it: CPU (launcher + loader), BPF program deltas, memory at the end. */
export async function measureAgent(agent, fn) {
  const pids = [agent.pid, agent.loaderPid];
  const cpuBefore = pids.map(cpuSecondsOf);
  const programsBefore = await bpfProgramsOf([agent.loaderPid]);
  const startedAt = performance.now();
  const result = await fn();
  const elapsedS = (performance.now() - startedAt) / 1000;
  const programs = bpfProgramDeltas(programsBefore, await bpfProgramsOf([agent.loaderPid]));
  const agentCpuS = pids.map(cpuSecondsOf).reduce((sum, now, index) => sum + now - cpuBefore[index], 0);
  return { result, elapsedS, agentCpuS, programs, memory: memoryOf(agent.pid) };
}
