// The chart's pods as they would run, on this machine's real parts: helm
// renders the chart for a real Kafka broker (KRaft, from Maven Central jars)
// and a store reached over ClickHouse's HTTP interface (one chDB engine
// served by the shared-store fixture: no ClickHouse server can be installed
// here). Every workload's container is then started as Kubernetes would
// start it — its args, its environment (Secrets resolved from the rendered
// Secret, spec.nodeName from a stand-in node), the ConfigMap's file where
// STALLSCOPE_CONFIG points, and for the agent its capability list only
// (setpriv: root, bounded set, no inheritable capabilities, no_new_privs).
// Real BPF on this kernel, the blocker workload as the traced service.
// Starts: one Kafka broker, the chDB HTTP store, four stallscope processes
// (ingest, query API, agent, collector).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TOLERANCE } from './fixtures/blocker-assertions.js';
import { bpfSkipReason } from './fixtures/bpf-environment.js';
import { startChdbHttpServer, type ChdbHttpServer } from './fixtures/chdb-http-server.js';
import { awaitBlockerTotals, blockedBySyscall, blockerTotalsArrived } from './fixtures/blocker-totals.js';
import { deployTool } from './fixtures/deploy-tools.js';
import { kafkaSkipReason, startKafkaBroker, type KafkaBroker } from './fixtures/kafka-broker.js';
import { repoRoot } from './fixtures/repo.js';
import { startStallscope, type StallscopeProcess } from './fixtures/stallscope-process.js';
import { runBlocker } from './fixtures/workload.js';

const helm = deployTool('helm');
const skip =
  bpfSkipReason() ??
  kafkaSkipReason() ??
  ('skip' in helm ? helm.skip : undefined) ??
  (spawnSync('setpriv', ['--version']).status === 0 ? undefined : 'setpriv (util-linux) not installed');
if (skip) console.log(`helm pods e2e skipped: ${skip}`);

const NODE_NAME = `node-${randomUUID().slice(0, 8)}`;

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  securityContext: { capabilities?: { add?: string[] } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec: { containers: Container[] } } };
  data?: Record<string, string>;
}

let broker: KafkaBroker | undefined;
let clickhouse: ChdbHttpServer | undefined;
let queryApi: StallscopeProcess | undefined;
const pods: StallscopeProcess[] = [];
const dirs: string[] = [];
let manifests: Manifest[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stallscope-helm-pod-'));
  dirs.push(dir);
  return dir;
}

function render(values: unknown): Manifest[] {
  assert.ok('path' in helm);
  const valuesFile = join(tempDir(), 'values.json');
  writeFileSync(valuesFile, JSON.stringify(values));
  const result = spawnSync(helm.path, ['template', 'stallscope', join(repoRoot, 'infra', 'helm', 'stallscope'), '--values', valuesFile], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as Manifest | null).filter((manifest): manifest is Manifest => manifest !== null);
}

/** Starts the container of a rendered workload as its pod would run it. */
async function startPod(workloadName: string): Promise<StallscopeProcess> {
  const workload = manifests.find((manifest) => manifest.metadata.name === workloadName && (manifest.kind === 'Deployment' || manifest.kind === 'DaemonSet'));
  const container = workload?.spec?.template?.spec.containers[0];
  assert.ok(container, `a workload ${workloadName}`);
  const dataDir = tempDir();
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const secretRef = variable.valueFrom?.secretKeyRef;
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (secretRef) {
      const secret = manifests.find((manifest) => manifest.kind === 'Secret' && manifest.metadata.name === secretRef.name);
      assert.ok(secret?.data?.[secretRef.key], `${variable.name}: Secret ${secretRef.name} has ${secretRef.key}`);
      env[variable.name] = Buffer.from(secret.data[secretRef.key]!, 'base64').toString();
    } else if (fieldPath === 'spec.nodeName') env[variable.name] = NODE_NAME;
    else assert.fail(`${variable.name}: no stand-in for ${JSON.stringify(variable.valueFrom)}`);
  }
  // The ConfigMap's file where the pod mounts it; the data dir on this machine's emptyDir.
  const configMap = manifests.find((manifest) => manifest.kind === 'ConfigMap');
  const configFile = join(dataDir, 'stallscope.yaml');
  assert.equal(env.STALLSCOPE_CONFIG, '/etc/stallscope/stallscope.yaml');
  writeFileSync(configFile, configMap?.data?.['stallscope.yaml'] ?? '');
  env.STALLSCOPE_CONFIG = configFile;
  env.STALLSCOPE_DATA_DIR = dataDir;
  assert.equal(container.args[0], '--target');
  const capabilities = container.securityContext.capabilities?.add;
  const asContainer = capabilities
    ? ['setpriv', '--bounding-set', ['-all', ...capabilities.map((name) => `+${name.toLowerCase()}`)].join(','), '--inh-caps', '-all', '--no-new-privs']
    : [];
  const pod = await startStallscope(container.args[1]!, env, dataDir, { launchPrefix: asContainer });
  pods.push(pod);
  return pod;
}

before(async () => {
  if (skip) return;
  broker = await startKafkaBroker();
  clickhouse = await startChdbHttpServer();
  console.log(`store: one chDB engine over ClickHouse's HTTP interface at ${clickhouse.url}`);
  // One broker: topics the pods create get one replica.
  manifests = render({
    kafka: { brokers: broker.brokers, topicReplicationFactor: 1 },
    clickhouse: { url: clickhouse.url },
    config: { agent: { intervalMs: 1000 } },
  });
  // Downstream first, as the ingest migrates and the query API only reads.
  await startPod('stallscope-ingest');
  queryApi = await startPod('stallscope-query-api');
});

after(async () => {
  for (const pod of pods.reverse()) await pod.stop();
  await clickhouse?.stop();
  await broker?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the chart\'s pods on a real broker and kernel', { skip }, () => {
  it('the agent pod reports a traced workload, named, measured and under its node\'s name', { timeout: 240_000 }, async () => {
    await startPod('stallscope-agent');
    const service = `helm-pod-${randomUUID().slice(0, 8)}`;
    const measured = await runBlocker(8_000, service);
    // How a wait is classed is the agent's business (its own suites); here: every
    // blocked second of the workload arrives, under its service and this node.
    const rows = await awaitBlockerTotals(queryApi!.url, queryApi!.token, { by: 'host', service }, measured);
    const reported = blockedBySyscall(rows);
    console.log(`${service} on ${NODE_NAME}: blocked seconds reported`, reported, 'measured', measured);
    assert.ok(blockerTotalsArrived(rows, measured), `every blocked second within ±${TOLERANCE * 100}% of the workload's own measure: ${JSON.stringify(rows)}`);
    for (const row of rows) assert.equal(row.host, NODE_NAME, 'host.name is the node the DaemonSet pod runs on');
  });

  it('the collector pod takes OTLP from an application and its trace reaches the store', { timeout: 120_000 }, async () => {
    const collector = await startPod('stallscope-collector');
    assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
    const traceId = randomBytes(16).toString('hex');
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'helm-pod-app' } }] },
          scopeSpans: [
            {
              scope: { name: 'helm-pod-test' },
              spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'GET /checkout', kind: 2, startTimeUnixNano: String(nowNs - 5_000_000n), endTimeUnixNano: String(nowNs) }],
            },
          ],
        },
      ],
    };
    const sent = await fetch(`${collector.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    assert.equal(sent.status, 200, await sent.text());
    const deadline = Date.now() + 60_000;
    let spans: { operationName: string }[] = [];
    while (Date.now() < deadline && spans.length === 0) {
      const response = await fetch(`${queryApi!.url}/api/traces/${traceId}`, { headers: { authorization: `Bearer ${queryApi!.token}` } });
      if (response.ok) spans = ((await response.json()) as { data: { spans: { operationName: string }[] }[] }).data.flatMap((trace) => trace.spans);
      if (spans.length === 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.deepEqual(spans.map((span) => span.operationName), ['GET /checkout']);
  });
});
