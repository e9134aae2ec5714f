// Real kernel, real chart: the Helm chart runs the agent unprivileged with a
// list of capabilities; this suite checks on this kernel that the list is
// enough. It renders the chart's DaemonSet with helm, then starts
// `stallscope --target all` (agent + in-process transport + chDB + query API)
// under setpriv as the container would run: root, the capability bounding set
// cut to the chart's list, no inheritable capabilities, no_new_privs. The
// blocker workload is traced through it, named from its environment (another
// process's /proc/<pid>/environ), and every signal must attach. A run with
// the list less CAP_BPF must fail, so the check can tell.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { assertBlockerReported } from './fixtures/blocker-assertions.js';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { awaitBlockerTotals } from './fixtures/blocker-totals.js';
import { deployTool } from './fixtures/deploy-tools.js';
import { repoRoot } from './fixtures/repo.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { runBlocker } from './fixtures/workload.js';

const helm = deployTool('helm');
const setprivMissing = spawnSync('setpriv', ['--version']).status === 0 ? undefined : 'setpriv (util-linux) not installed';
const skip = bpfSkipReason() ?? ('skip' in helm ? helm.skip : undefined) ?? setprivMissing;
if (skip) console.log(`agent capabilities suite skipped: ${skip}`);

/** Linux capability numbers (include/uapi/linux/capability.h) of the names a chart may list. */
const CAPABILITY_BITS: Readonly<Record<string, number>> = {
  DAC_OVERRIDE: 1,
  DAC_READ_SEARCH: 2,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  SYSLOG: 34,
  PERFMON: 38,
  BPF: 39,
};

interface AgentDaemonSet {
  spec: { template: { spec: { containers: { securityContext: { capabilities: { add: string[] } } }[] } } };
}

function chartCapabilities(): string[] {
  assert.ok('path' in helm);
  const result = spawnSync(helm.path, ['template', 'stallscope', join(repoRoot, 'infra', 'helm', 'stallscope'), '--show-only', 'templates/agent-daemonset.yaml'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const daemonSet = parse(result.stdout) as AgentDaemonSet;
  return daemonSet.spec.template.spec.containers[0]!.securityContext.capabilities.add;
}

/** The container's view: root, bounded to `capabilities`, nothing inheritable, no privilege gain on exec. */
function asContainer(capabilities: readonly string[]): string[] {
  const bounding = ['-all', ...capabilities.map((name) => `+${name.toLowerCase()}`)].join(',');
  return ['setpriv', '--bounding-set', bounding, '--inh-caps', '-all', '--no-new-privs'];
}

function effectiveCapabilities(pid: number): bigint {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('CapEff:'));
  assert.ok(line);
  return BigInt(`0x${line.split(/\s+/)[1]}`);
}

const dataDirs: string[] = [];
const processes: StallscopeProcess[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-caps-'));
  dataDirs.push(dir);
  return dir;
}

after(async () => {
  for (const running of processes) await running.stop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describe('the Helm chart\'s agent capabilities on this kernel', { skip }, () => {
  it('are enough: every signal attaches and a traced workload is reported under its service name', { timeout: 180_000 }, async () => {
    const capabilities = chartCapabilities();
    for (const name of capabilities) assert.ok(name in CAPABILITY_BITS, `${name}: a capability this suite knows`);
    const stallscope = await startStallscope('all', { STALLSCOPE_AGENT_INTERVAL_MS: '1000' }, dataDir(), { launchPrefix: asContainer(capabilities) });
    processes.push(stallscope);
    const allowed = capabilities.reduce((mask, name) => mask | (1n << BigInt(CAPABILITY_BITS[name]!)), 0n);
    const effective = effectiveCapabilities(stallscope.child.pid!);
    assert.equal(effective & ~allowed, 0n, `the launcher runs with the chart's capabilities only (CapEff ${effective.toString(16)})`);
    assert.notEqual(effective & (1n << 39n), 0n, 'CAP_BPF is effective');
    const service = `caps-${randomUUID().slice(0, 8)}`;
    const measured = await runBlocker(8_000, service);
    await awaitBlockerTotals(stallscope.url, stallscope.token, { by: 'service', service }, measured);
    await assertBlockerReported(stallscope.url, stallscope.token, service, measured);
    const metrics = await (await fetch(`${stallscope.url}/metrics`, { headers: { authorization: `Bearer ${stallscope.token}` } })).text();
    const running = [...metrics.matchAll(/^stallscope_agent_signal_running\{signal="(\w+)"\} (\d+)$/gm)].map(([, signal, value]) => [signal, value]);
    assert.ok(running.length >= 6, metrics);
    for (const [signal, value] of running) assert.equal(value, '1', `signal ${signal} attached`);
  });

  it('without CAP_BPF the agent cannot start', { timeout: 120_000 }, async () => {
    const withoutBpf = chartCapabilities().filter((name) => name !== 'BPF');
    await assert.rejects(startStallscope('all', {}, dataDir(), { launchPrefix: asContainer(withoutBpf) }), /exited with [1-9][\s\S]*Operation not permitted/);
  });
});
