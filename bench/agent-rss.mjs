// The memory of a running agent (`--target agent`, every default signal on,
// exporting to a local Kafka broker), against an idle `node` process in the
// same run (the runtime's own floor): VmRSS when ready and after each sampling
// step, and the peak (VmHWM), of the agent's Node.js process and of its loader
// (the C child that holds the BPF objects). Two agents: one reporting every
// process of this host (the broker's JVM and whatever else runs: their stacks
// bring their binaries' symbol tables), and one whose cgroup scope is an empty
// cgroup (a quiet host: nothing to report); and the first again with
// agent.liteRuntime off (V8's optimizing tiers), the trade it makes. Beside
// the memory, each agent's CPU (Node.js process and loader, user+system, % of
// one core) over the whole run and over its second half (when the host's
// binaries are named: its steady cost). The target: RSS < 100 MB.
// usage: node bench/agent-rss.mjs [seconds=60] [rounds=2]   (root)
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSecondsOf, createProgress, fixed, kafkaSkipReason, median, memoryOf, printTable, requireRoot, startAgent, startKafkaBroker } from './lib/kit.mjs';

const NAME = 'agent-rss';
const seconds = Number(process.argv[2] ?? 60);
const rounds = Number(process.argv[3] ?? 2);
const STEPS = 4;

requireRoot(NAME);
const skip = kafkaSkipReason();
if (skip) {
  console.log(`${NAME}: skipped, ${skip}`);
  process.exit(0);
}

const progress = createProgress(NAME, { total: rounds * 4 });
progress.update(0, 'starting a Kafka broker');
const broker = await startKafkaBroker();

/** VmRSS of `pids` (MB) when ready and after each of STEPS equal steps, their VmHWM at the end, and their CPU (cores) over the run and its second half. */
async function sample(pids) {
  const at = [pids.map((pid) => memoryOf(pid).rssMb)];
  const cpuAt = () => ({ s: pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0), atMs: performance.now() });
  const cores = (from, to) => (to.s - from.s) / ((to.atMs - from.atMs) / 1000);
  const start = cpuAt();
  let half;
  for (let step = 1; step <= STEPS; step++) {
    await sleep((seconds * 1000) / STEPS);
    at.push(pids.map((pid) => memoryOf(pid).rssMb));
    if (step === STEPS / 2) half = cpuAt();
  }
  const end = cpuAt();
  return { at, hwm: pids.map((pid) => memoryOf(pid).hwmMb), cores: cores(start, end), steadyCores: cores(half, end) };
}

const emptyCgroup = `stallscope-bench-quiet-${process.pid}`;
mkdirSync(`/sys/fs/cgroup/${emptyCgroup}`);
const agents = {
  'agent, every process of this host': {},
  'agent, an empty cgroup in scope': { STALLSCOPE_AGENT_CGROUP_SCOPE: `/${emptyCgroup}` },
  'agent, every process of this host, liteRuntime off': { STALLSCOPE_AGENT_LITE_RUNTIME: 'false' },
};
const results = { node: [], ...Object.fromEntries(Object.keys(agents).flatMap((name) => [[name, []], [`${name} (loader)`, []]])) };
let done = 0;
try {
  for (let round = 0; round < rounds; round++) {
    progress.update(done, `round ${round + 1}: an idle node process`);
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await sleep(1000);
    const idleSample = await sample([idle.pid]);
    idle.kill();
    results.node.push({ at: idleSample.at.map(([rss]) => rss), hwm: idleSample.hwm[0] });
    done += 1;

    for (const [name, env] of Object.entries(agents)) {
      progress.update(done, `round ${round + 1}: ${name}, ${seconds} s`);
      const agent = await startAgent(broker.brokers, env);
      try {
        const agentSample = await sample([agent.pid, agent.loaderPid]);
        results[name].push({ at: agentSample.at.map(([rss]) => rss), hwm: agentSample.hwm[0], cores: agentSample.cores, steadyCores: agentSample.steadyCores });
        results[`${name} (loader)`].push({ at: agentSample.at.map(([, rss]) => rss), hwm: agentSample.hwm[1] });
      } finally {
        await agent.stop();
      }
      done += 1;
    }
  }
} finally {
  progress.finish();
  rmdirSync(`/sys/fs/cgroup/${emptyCgroup}`);
  await broker.stop();
}

const stepLabels = Array.from({ length: STEPS + 1 }, (_, step) => (step === 0 ? 'ready' : `+${Math.round((seconds * step) / STEPS)} s`));
const rows = Object.entries({ 'idle node (floor)': results.node, ...Object.fromEntries(Object.entries(results).filter(([name]) => name !== 'node')) }).map(([name, runs]) => [
  name,
  ...stepLabels.map((_, step) => fixed(median(runs.map((run) => run.at[step])))),
  fixed(median(runs.map((run) => run.hwm))),
]);
console.log(`${NAME}: VmRSS MB, medians of ${rounds} rounds; each agent runs ${seconds} s with its default signals`);
printTable(['process', ...stepLabels, 'VmHWM'], rows);
const floor = median(results.node.map((run) => run.at.at(-1)));
for (const name of Object.keys(agents)) {
  const end = median(results[name].map((run) => run.at.at(-1)));
  const cpu = (key) => fixed(median(results[name].map((run) => run[key])) * 100, 2);
  console.log(`${name}: ${fixed(end)} MB at the end, ${fixed(end / floor, 2)}x the idle node (target < 100 MB); CPU with its loader ${cpu('cores')}% of one core over the run, ${cpu('steadyCores')}% over its second half`);
}
