// Issue 6's first measurement, re-run: the default top list of a Go service
// that blocks in flock (a lock another process holds 30 ms of every 100 ms),
// fsync and a sync.Mutex, while its runtime parks idle threads in futex
// (bench/blockserver). For each syscall timing, a fresh all-in-one stallscope
// (embedded defaults, its own data directory), the server for the given time
// under its own clients, then `GET /v1/syscalls/top?by=syscall&service=...`
// once its figures stop moving: the default list (idle excluded), the list
// with idle, and flock and fsync against what the server measured itself.
// usage: node bench/blocking-server.mjs [seconds] [timing,...]   (root; timings: off-cpu,every-call)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildGo, fixed, printTable, repoRoot, requireRoot, run } from './lib/kit.mjs';

const NAME = 'blocking-server';
const seconds = Number(process.argv[2] ?? 60);
const timings = (process.argv[3] ?? 'off-cpu,every-call').split(',');

requireRoot(NAME);
const server = buildGo('blockserver');

/** All-in-one stallscope on its own data directory; resolves with its URL and token once ready. */
async function startStallscope(timing) {
  const dataDir = mkdtempSync(join(tmpdir(), 'stallscope-bench-blocking-'));
  const child = spawn(process.execPath, [join(repoRoot, 'services', 'launcher', 'dist', 'main.js')], {
    env: { ...process.env, STALLSCOPE_DATA_DIR: dataDir, STALLSCOPE_SERVER_PORT: '0', STALLSCOPE_AGENT_SYSCALL_TIMING: timing },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"msg":"stallscope ready"')) resolve(JSON.parse(line).url);
    });
    void exited.then((code) => reject(new Error(`stallscope exited with ${code} before it was ready`)));
  });
  return {
    url,
    token: readFileSync(join(dataDir, 'auth-token'), 'utf8').trim(),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function top({ url, token }, service, includeIdle) {
  const query = new URLSearchParams({ window: '15m', by: 'syscall', service, limit: '10', includeIdle: String(includeIdle) });
  const response = await fetch(`${url}/v1/syscalls/top?${query}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`top: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).rows;
}

/** The top list once two reads 5 s apart agree (the agent's last intervals have landed). */
async function settledTop(stallscope, service, includeIdle) {
  let last = '';
  for (let attempt = 0; attempt < 24; attempt++) {
    const rows = await top(stallscope, service, includeIdle);
    const now = JSON.stringify(rows);
    if (rows.length > 0 && now === last) return rows;
    last = now;
    await sleep(5000);
  }
  throw new Error(`the top list of ${service} did not settle`);
}

const rowsOf = (rows) => rows.map((row, index) => [index + 1, row.syscall, row.waitClass, fixed(row.blockedSeconds, 3), row.calls]);
for (const timing of timings) {
  const stallscope = await startStallscope(timing);
  try {
    const service = `blockserver-${timing}`;
    console.log(`${NAME}: ${timing} timing, ${service} for ${seconds} s`);
    const { stdout } = await run(server, [String(seconds * 1000)], { env: { ...process.env, OTEL_SERVICE_NAME: service } });
    const measured = JSON.parse(stdout);
    const rows = await settledTop(stallscope, service, false);
    const withIdle = await settledTop(stallscope, service, true);
    console.log(`default top list (idle excluded), ${measured.requests} requests`);
    printTable(['rank', 'syscall', 'waitClass', 'blockedSeconds', 'calls'], rowsOf(rows));
    console.log('with includeIdle=true');
    printTable(['rank', 'syscall', 'waitClass', 'blockedSeconds', 'calls'], rowsOf(withIdle));
    const reported = (syscall) => rows.filter((row) => row.syscall === syscall).reduce((sum, row) => sum + row.blockedSeconds, 0);
    printTable(
      ['syscall', 'server measured s', 'stallscope s', 'ratio'],
      [
        ['flock', fixed(measured.flockNs / 1e9, 3), fixed(reported('flock'), 3), fixed(reported('flock') / (measured.flockNs / 1e9), 3)],
        ['fsync', fixed(measured.fsyncNs / 1e9, 3), fixed(reported('fsync'), 3), fixed(reported('fsync') / (measured.fsyncNs / 1e9), 3)],
      ],
    );
  } finally {
    await stallscope.stop();
  }
}
