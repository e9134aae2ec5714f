// What each agent signal costs a Go HTTP service on its own, and all of them
// together: bench/goserver saturated by `wrk -t1 -c32`, untraced and under the
// real agent (`--target agent`, exporting to a local Kafka broker) with one
// signal switched on at a time, then with the defaults. Each traced run is
// paired with an untraced run just before it (this machine drifts by more than
// some signals cost), and each agent first runs under the same load for a
// warm-up (its start names the host's binaries once, in its first two 5 s
// intervals: not its steady cost).
// Two more set-ups are no agent at all but empty BPF programs on the hooks it
// uses (bench/empty-*.bpf.c): the floor any tracer of those events pays here.
// The set-ups run in a different order each round.
// Per set-up: req/s and p99 against its untraced partner (median of the
// rounds), the agent's CPU (launcher + loader, user+system, % of one core) and
// its VmRSS.
// usage: node bench/signal-costs.mjs [rounds=3] [seconds-per-run=8] [warm-up-seconds=12]   (root)
import { agentConfigDefaults } from '@stallscope/bpf-agent';
import {
  buildProbes,
  createProgress,
  fixed,
  hasCommand,
  kafkaSkipReason,
  measureAgent,
  median,
  printTable,
  requireRoot,
  startAgent,
  startGoServer,
  startKafkaBroker,
  startTracer,
  withBpfStats,
  wrkSaturated,
} from './lib/kit.mjs';

const NAME = 'signal-costs';
const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 8);
const warmUpSeconds = Number(process.argv[4] ?? 12);
/** After an agent stops, before the next untraced run: its exit and the broker's work on it settle. */
const SETTLE_MS = 2000;

requireRoot(NAME);
const missing = [!hasCommand('go') && 'no Go toolchain to build the server', !hasCommand('wrk') && 'wrk not installed (scripts/setup.sh --for-bench installs it)', kafkaSkipReason()].filter(Boolean);
if (missing.length > 0) {
  console.log(`${NAME}: skipped, ${missing.join('; ')}`);
  process.exit(0);
}

const signalNames = Object.keys(agentConfigDefaults.signals);
const envOfSignals = (enabled) => Object.fromEntries(signalNames.map((name) => [`STALLSCOPE_AGENT_SIGNALS_${name.toUpperCase()}`, String(enabled(name))]));
const setups = [
  ...signalNames.map((only) => ({ name: `${only} only`, env: envOfSignals((name) => name === only) })),
  { name: 'every default signal', env: envOfSignals((name) => agentConfigDefaults.signals[name]) },
  { name: 'floor: empty sys_exit program', probes: buildProbes('empty-sys-exit-probe') },
  { name: 'floor: empty programs on the default signals\' per-event hooks', probes: buildProbes('empty-default-hooks') },
];
const everyDefaultSignal = setups.find((setup) => setup.name === 'every default signal');

createProgress(NAME).update(0, 'building the Go server, starting a Kafka broker');
const server = await startGoServer();
const broker = await startKafkaBroker();
const saturated = (forSeconds = seconds) => wrkSaturated(server.url, forSeconds);

async function runSetup(setup) {
  if (setup.probes) return runProbes(setup.probes);
  const agent = await startAgent(broker.brokers, setup.env);
  try {
    await saturated(warmUpSeconds);
    const { result, elapsedS, agentCpuS, programs, memory } = await measureAgent(agent, () => saturated());
    return { ...result, agentCore: agentCpuS / elapsedS, rssMb: memory.rssMb, programs, elapsedS };
  } finally {
    await agent.stop();
  }
}

/** Empty programs attached: no agent process, so no agent CPU or memory. */
async function runProbes(probes) {
  const tracer = await startTracer(probes.loader, [probes.object], { ready: /attached/ });
  try {
    return { ...(await saturated()), agentCore: NaN, rssMb: NaN };
  } finally {
    await tracer.stop();
  }
}

try {
  const runs = new Map(setups.map((setup) => [setup.name, []]));
  const untracedRuns = [];
  const steps = createProgress(NAME, { total: rounds * setups.length });
  let step = 0;
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < setups.length; index++) {
      const setup = setups[(index + round * 3) % setups.length];
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const untraced = await saturated();
      const result = await runSetup(setup);
      untracedRuns.push(untraced);
      runs.get(setup.name).push({ ...result, rpsRatio: result.rps / untraced.rps, p99Ratio: result.p99Ms / untraced.p99Ms });
      steps.update(++step, `round ${round + 1}/${rounds} ${setup.name}: ${fixed(result.rps, 0)} req/s, untraced ${fixed(untraced.rps, 0)}`);
    }
  }
  // bpf_stats adds its own clock reads to every program run: only in this extra run.
  steps.update(step, 'every default signal once more, with kernel.bpf_stats_enabled=1');
  const accounted = await withBpfStats(() => runSetup(everyDefaultSignal));
  steps.finish();

  const med = (name, key) => median(runs.get(name).map((r) => r[key]));
  console.log(`${NAME}: ${rounds} rounds x ${seconds} s (agents warmed up ${warmUpSeconds} s under the same load), wrk -t1 -c32 on bench/goserver; agent = --target agent on Kafka with the signals named`);
  const untracedRps = untracedRuns.map((r) => r.rps);
  console.log(`untraced runs: median ${fixed(median(untracedRps), 0)} req/s, from ${fixed(Math.min(...untracedRps), 0)} to ${fixed(Math.max(...untracedRps), 0)}; p99 median ${fixed(median(untracedRuns.map((r) => r.p99Ms)), 2)} ms`);
  printTable(
    ['set-up', 'req/s (median)', 'vs untraced', 'p99 ms', 'p99 vs untraced', 'agent % of a core', 'agent VmRSS MB', 'req/s ratio runs'],
    setups.map(({ name }) => [
      name,
      fixed(med(name, 'rps'), 0),
      fixed(med(name, 'rpsRatio'), 3),
      fixed(med(name, 'p99Ms'), 2),
      fixed(med(name, 'p99Ratio'), 2),
      fixed(med(name, 'agentCore') * 100, 1),
      fixed(med(name, 'rssMb'), 0),
      runs.get(name).map((r) => fixed(r.rpsRatio, 3)).join(', '),
    ]),
  );
  console.log(`\nBPF programs of every default signal under this load (one more run, kernel.bpf_stats_enabled=1: ${fixed(accounted.rps, 0)} req/s)`);
  const busy = accounted.programs.filter((p) => p.runs > 0).sort((a, b) => b.runTimeNs - a.runTimeNs);
  const coreShare = (ns) => fixed((ns / 1e9 / accounted.elapsedS) * 100, 2);
  printTable(
    ['BPF program', 'runs/s', 'ns/run', '% of one core'],
    [...busy.map((p) => [p.name, fixed(p.runs / accounted.elapsedS, 0), fixed(p.nsPerRun), coreShare(p.runTimeNs)]), ['all', '', '', coreShare(busy.reduce((sum, p) => sum + p.runTimeNs, 0))]],
  );
  console.log('target (issues 6 and 9): every default signal >= 0.95 (saturated) and >= 0.99 of untraced throughput');
} finally {
  server.stop();
  await broker.stop();
}
