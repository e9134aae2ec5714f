// What the syscall tracer costs a traced process: ns per syscall for a tight
// getppid loop, alternating runs without and with the stallscope loader
// attached (baseline and subject in the same run; ratios, since machines are noisy).
// usage: node bench/syscall-overhead.mjs [rounds] [calls-per-run]   (root)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const loaderPath = join(root, 'bpf-agent', 'build', 'stallscope-loader');
const rounds = Number(process.argv[2] ?? 5);
const calls = Number(process.argv[3] ?? 2_000_000);

if (process.getuid?.() !== 0) {
  console.error('syscall-overhead: needs root to attach BPF programs');
  process.exit(1);
}
const loop = join(mkdtempSync(join(tmpdir(), 'stallscope-bench-')), 'syscall-loop');
execFileSync('cc', ['-O2', '-o', loop, join(root, 'bench', 'syscall-loop.c')]);
const nsPerCall = () => Number(execFileSync(loop, [String(calls)]).toString().trim());

async function withLoader(run) {
  const loader = spawn(loaderPath, ['--interval-ms', '1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // The first bytes on stdout are the hello record: programs are attached.
  await new Promise((resolve, reject) => {
    loader.stdout.once('data', resolve);
    loader.once('exit', (code) => reject(new Error(`loader exited with ${code}`)));
  });
  loader.stdout.resume();
  try {
    return run();
  } finally {
    loader.kill('SIGTERM');
    await new Promise((resolve) => loader.once('exit', resolve));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const baseline = [];
const traced = [];
for (let round = 0; round < rounds; round++) {
  baseline.push(nsPerCall());
  traced.push(await withLoader(nsPerCall));
}
const base = median(baseline);
const subject = median(traced);
console.log(`syscall-overhead: ${rounds} rounds x ${calls} getppid calls`);
console.log(`  untraced  median ${base.toFixed(1)} ns/syscall  (runs: ${baseline.join(', ')})`);
console.log(`  traced    median ${subject.toFixed(1)} ns/syscall  (runs: ${traced.join(', ')})`);
console.log(`  added     ${(subject - base).toFixed(1)} ns/syscall, ratio traced/untraced ${(subject / base).toFixed(2)}`);
