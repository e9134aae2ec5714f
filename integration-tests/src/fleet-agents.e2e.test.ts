// Real agents as a fleet: three agent processes on this one kernel, each
// scoped to a cgroup of its own (its "host") under its own host.name, feed one
// Kafka broker; one ingest + query API process. Each cgroup runs a workload
// making a known number of one syscall (fsync, flock, fdatasync); queries by
// host must return each host's own workload, counted exactly, and nothing of
// the other hosts' or of the processes outside every cgroup (the agents
// themselves, the broker, this test).
// Starts: one Kafka broker, four stallscope processes, three cgroups.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { cgroupV2SkipReason, createCgroup, type Cgroup } from './fixtures/cgroup-v2.js';
import { builtWorkload } from './fixtures/class-workloads.js';
import { kafkaSkipReason, startKafkaBroker } from './fixtures/kafka-broker.js';
import { fetchTop, settledTop } from './fixtures/query-api-client.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';

const skipReason = bpfSkipReason() ?? kafkaSkipReason() ?? cgroupV2SkipReason();
if (skipReason) console.log(`skipping fleet-agents e2e: ${skipReason}`);

const run = randomUUID().slice(0, 8);
/** Each host's workload: one syscall, a count no other host makes. */
const HOSTS = [
  { name: `fleet-${run}-a.example.internal`, syscall: 'fsync', calls: 300 },
  { name: `fleet-${run}-b.example.internal`, syscall: 'flock', calls: 400 },
  { name: `fleet-${run}-c.example.internal`, syscall: 'fdatasync', calls: 500 },
].map((host) => ({ ...host, service: `${host.syscall}-worker-${run}` }));

let broker: Awaited<ReturnType<typeof startKafkaBroker>> | undefined;
let backend: StallscopeProcess | undefined;
const agents: StallscopeProcess[] = [];
const cgroups: Cgroup[] = [];
const dataDirs: string[] = [];
const dataDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-fleet-'));
  dataDirs.push(dir);
  return dir;
};

before(async () => {
  if (skipReason) return;
  broker = await startKafkaBroker();
  const kafka = { STALLSCOPE_TRANSPORT_KIND: 'kafka', STALLSCOPE_TRANSPORT_KAFKA_BROKERS: broker.brokers.join(',') };
  backend = await startStallscope('ingest,query-api', kafka, dataDir());
  for (const host of HOSTS) {
    const cgroup = createCgroup(`stallscope-${host.name}`);
    cgroups.push(cgroup);
    const agent = await startStallscope('agent', {
      ...kafka,
      STALLSCOPE_AGENT_INTERVAL_MS: '1000',
      STALLSCOPE_AGENT_HOST_NAME: host.name,
      STALLSCOPE_AGENT_CGROUP_SCOPE: cgroup.path,
      // Three agents share two cores: the syscall histograms (and process names) are what this suite reads.
      STALLSCOPE_AGENT_SIGNALS_OFFCPU: 'false',
      STALLSCOPE_AGENT_SIGNALS_TCP: 'false',
      STALLSCOPE_AGENT_SIGNALS_GORUNTIME: 'false',
      STALLSCOPE_AGENT_SIGNALS_PROFILE: 'false',
    }, dataDir());
    agents.push(agent);
  }
});

after(async () => {
  for (const agent of agents) assert.equal(await agent.stop(), 0, 'an agent exits cleanly on SIGTERM');
  if (backend) assert.equal(await backend.stop(), 0, 'ingest + query-api exit cleanly on SIGTERM');
  await broker?.stop();
  for (const cgroup of cgroups) cgroup.remove();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

test('agents scoped to cgroups report each host\'s own workload, and only it', { skip: skipReason, timeout: 180_000 }, async () => {
  const binary = builtWorkload('host-syscalls.c');
  const scratch = dataDir();
  const measured = await Promise.all(
    HOSTS.map(async (host, index) =>
      JSON.parse(await cgroups[index]!.run(binary, [host.syscall, String(host.calls), scratch], { OTEL_SERVICE_NAME: host.service })) as { calls: number },
    ),
  );
  assert.deepEqual(measured.map((result) => result.calls), HOSTS.map((host) => host.calls), 'each workload made its calls');

  for (const host of HOSTS) {
    const query = { window: '15m', host: host.name, by: 'host', includeIdle: 'true', limit: '100' };
    const rows = await settledTop(backend!.url, backend!.token, query, (candidate) =>
      candidate.some((row) => row.syscall === host.syscall && row.calls >= host.calls),
    );
    const own = rows.find((row) => row.syscall === host.syscall);
    assert.equal(own?.calls, host.calls, `${host.name} reports its ${host.calls} ${host.syscall} calls: ${JSON.stringify(rows)}`);
    assert.ok(rows.every((row) => row.host === host.name), `rows of ${host.name} only`);
    for (const other of HOSTS.filter((candidate) => candidate !== host)) {
      assert.ok(!rows.some((row) => row.syscall === other.syscall), `${host.name} shows none of ${other.name}'s ${other.syscall} calls: ${JSON.stringify(rows)}`);
    }
    // Nothing outside the cgroup (the agents, the broker, this test) is reported under the host.
    const services = await fetchTop(backend!.url, backend!.token, { window: '15m', host: host.name, by: 'service', includeIdle: 'true', limit: '100' });
    assert.deepEqual([...new Set(services.map((row) => row.service))], [host.service], `${host.name}'s services`);
  }
});
