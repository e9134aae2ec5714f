// Real tools: helm v3.19.0 (built from its Go module) lints and renders
// infra/helm/stallscope with two values sets; kubernetes-validate checks every
// rendered manifest against the Kubernetes 1.33 JSON schemas it ships (strict:
// unknown fields fail), offline. What users rely on is then asserted on the
// manifests, and every stallscope container's environment and config file go
// through the launcher's own config loader, which refuses unknown settings as
// the launcher does at start.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@stallscope/common';
import { launcherConfigDefaults, launcherConfigSchema, userTargets, type LauncherConfig } from '@stallscope/launcher';
import { deployTool } from './fixtures/deploy-tools.js';
import { repoRoot } from './fixtures/repo.js';

const chartDir = join(repoRoot, 'infra', 'helm', 'stallscope');
const KUBERNETES_VERSION = '1.33.0';
/** Kinds of CRDs (the Prometheus Operator's): no schema in the Kubernetes set, checked by hand below. */
const CUSTOM_KINDS = new Set(['PodMonitor']);

const helm = deployTool('helm');
const validator = deployTool('validator');
const skip = 'skip' in helm ? helm.skip : 'skip' in validator ? validator.skip : undefined;
if (skip) console.log(`helm chart suite skipped: ${skip}`);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  image: string;
  args: string[];
  env: EnvVar[];
  ports: { name: string; containerPort: number }[];
  securityContext: {
    privileged?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
}
interface PodSpec {
  hostPID?: boolean;
  containers: Container[];
  volumes: { name: string; hostPath?: { path: string }; configMap?: { name: string } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    selector?: Record<string, string> | { matchLabels: Record<string, string> };
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    ports?: { name: string; port: number; targetPort: string }[];
    scaleTargetRef?: { kind: string; name: string };
    metrics?: { type: string; external: { metric: { name: string; selector: { matchLabels: Record<string, string> } } } }[];
  };
  data?: Record<string, string>;
}

const work = mkdtempSync(join(tmpdir(), 'stallscope-helm-'));

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function helmPath(): string {
  assert.ok('path' in helm);
  return helm.path;
}

function valuesFile(name: string, values: unknown): string {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

function template(values?: unknown): { status: number | null; stdout: string; stderr: string } {
  const args = ['template', 'stallscope', chartDir, '--namespace', 'observability', '--kube-version', KUBERNETES_VERSION];
  if (values !== undefined) args.push('--values', valuesFile(`values-${Math.random().toString(36).slice(2)}`, values));
  return run(helmPath(), args);
}

/** helm's output as the API server would get it, and parsed. */
function render(values?: unknown): { text: string; manifests: Manifest[] } {
  const result = template(values);
  assert.equal(result.status, 0, `helm template: ${result.stderr}`);
  const manifests = parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
  return { text: result.stdout, manifests };
}

/**
 * Runs kubernetes-validate on manifests (helm's text, or JSON of changed
 * manifests: JSON reads the same in YAML 1.1, as the validator and the API
 * server read, where an unquoted `yes` would turn boolean); returns its report.
 */
function validate(manifests: string | Manifest[]): { status: number | null; passed: string[]; report: string } {
  assert.ok('path' in validator);
  const file = join(work, `rendered-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, typeof manifests === 'string' ? manifests : manifests.map((manifest) => JSON.stringify(manifest)).join('\n---\n'));
  const result = run(validator.path, ['--kubernetes-version', KUBERNETES_VERSION, '--strict', file]);
  const passed = [...result.stdout.matchAll(/^INFO .* passed for resource (\S+) against version/gm)].map((match) => match[1]!);
  return { status: result.status, passed, report: result.stdout + result.stderr };
}

function assertValid({ text, manifests }: { text: string; manifests: Manifest[] }): void {
  const { status, passed, report } = validate(text);
  assert.equal(status, 0, report);
  const expected = manifests.filter((manifest) => !CUSTOM_KINDS.has(manifest.kind)).map((manifest) => `${manifest.kind.toLowerCase()}/${manifest.metadata.name}`);
  assert.deepEqual(passed.sort(), expected.sort(), `every manifest passed the ${KUBERNETES_VERSION} schemas:\n${report}`);
}

const find = (manifests: Manifest[], kind: string, nameSuffix: string) =>
  manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name.endsWith(nameSuffix));
const workloads = (manifests: Manifest[]) => manifests.filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'DaemonSet');
const podOf = (manifest: Manifest | undefined) => {
  assert.ok(manifest?.spec?.template, `a workload: ${manifest?.metadata.name}`);
  return manifest.spec.template.spec;
};

/**
 * The config a container's launcher would load: the ConfigMap's file mounted
 * where STALLSCOPE_CONFIG points, its literal environment, and a stand-in for
 * each value Kubernetes fills from a Secret or the pod's fields.
 */
function launcherConfigOf(manifests: Manifest[], pod: PodSpec, container: Container): LauncherConfig {
  const env = Object.fromEntries(container.env.map((variable) => [variable.name, variable.value ?? (variable.valueFrom?.secretKeyRef ? 's'.repeat(24) : 'from-the-pod')]));
  const configPath = env.STALLSCOPE_CONFIG;
  assert.ok(configPath, `${container.name} reads a config file`);
  const mount = container.volumeMounts.find((candidate) => configPath.startsWith(`${candidate.mountPath}/`));
  assert.ok(mount, `${container.name}: ${configPath} is on a mounted volume`);
  const configMapName = pod.volumes.find((volume) => volume.name === mount.name)?.configMap?.name;
  const configMap = manifests.find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name === configMapName);
  const fileText = configMap?.data?.[configPath.slice(mount.mountPath.length + 1)];
  assert.ok(fileText, `${container.name}: ${configPath} is a key of ConfigMap ${configMapName}`);
  const file = join(work, `${container.name}-config.yaml`);
  writeFileSync(file, fileText);
  // STALLSCOPE_CONFIG names the file; every other STALLSCOPE_* name must be a setting.
  return loadConfig({ schema: launcherConfigSchema, defaults: launcherConfigDefaults, file, env, rejectUnknownEnv: { except: ['STALLSCOPE_CONFIG'] } });
}

/** The second values set: the agent alone, with the secrets and Kafka users an operator already manages. */
const agentOnlyValues = {
  collector: { enabled: false },
  ingest: { enabled: false },
  queryApi: { enabled: false },
  auth: { existingSecret: 'stallscope-api-token', tokenKey: 'token' },
  kafka: { tls: true, sasl: { mechanism: 'scram-sha-512', username: 'stallscope', passwordSecret: { name: 'stallscope-kafka-user', key: 'password' } } },
  config: { agent: { intervalMs: 15000 } },
  agent: { extraCapabilities: ['SYS_ADMIN'] },
  podMonitor: { enabled: true },
};

after(() => rmSync(work, { recursive: true, force: true }));

describe('helm chart infra/helm/stallscope', { skip }, () => {
  let rendered = { text: '', manifests: [] as Manifest[] };
  let defaults: Manifest[] = [];
  before(() => {
    rendered = render();
    defaults = rendered.manifests;
  });

  it('is helm v3.19.0, and helm lint --strict passes with the default and the agent-only values', () => {
    assert.match(run(helmPath(), ['version', '--short']).stdout, /^v3\.19\.0\b/);
    const lint = run(helmPath(), ['lint', '--strict', chartDir]);
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
    const agentOnly = run(helmPath(), ['lint', '--strict', chartDir, '--values', valuesFile('agent-only-lint', agentOnlyValues)]);
    assert.equal(agentOnly.status, 0, agentOnly.stdout + agentOnly.stderr);
  });

  it(`renders manifests that pass the Kubernetes ${KUBERNETES_VERSION} schemas`, () => {
    assert.deepEqual(
      defaults.map((manifest) => manifest.kind).sort(),
      ['ConfigMap', 'DaemonSet', 'Deployment', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'Secret', 'Service', 'Service', 'ServiceAccount'],
    );
    assertValid(rendered);
  });

  it('the schema check fails a manifest Kubernetes would refuse', () => {
    const broken = structuredClone(defaults);
    const daemonSet = find(broken, 'DaemonSet', '-agent');
    (podOf(daemonSet) as unknown as Record<string, unknown>).hostPID = 'true';
    const misspelt = structuredClone(defaults);
    const query = podOf(find(misspelt, 'Deployment', '-query-api'));
    (query.containers[0] as unknown as Record<string, unknown>).livenesProbe = query.containers[0]!.livenessProbe;
    for (const manifests of [broken, misspelt]) {
      const { status, report } = validate(manifests);
      assert.notEqual(status, 0, `refused:\n${report}`);
      assert.match(report, /^ERROR /m);
    }
  });

  it('the agent DaemonSet runs in the host pid namespace, unprivileged, with the BPF capabilities and bounded memory', () => {
    const pod = podOf(find(defaults, 'DaemonSet', '-agent'));
    assert.equal(pod.hostPID, true);
    const [agent] = pod.containers;
    assert.ok(agent);
    assert.notEqual(agent.securityContext.privileged, true);
    assert.deepEqual(agent.securityContext.capabilities?.drop, ['ALL']);
    const added = agent.securityContext.capabilities?.add ?? [];
    for (const capability of ['BPF', 'PERFMON', 'SYS_RESOURCE']) assert.ok(added.includes(capability), `adds ${capability}`);
    assert.ok(!added.includes('SYS_ADMIN'), 'SYS_ADMIN only where the kernel lacks CAP_BPF');
    assert.equal(agent.securityContext.allowPrivilegeEscalation, false);
    assert.equal(agent.securityContext.readOnlyRootFilesystem, true);
    assert.equal(agent.resources.limits.memory, '512Mi');
    assert.ok(agent.resources.limits.cpu && agent.resources.requests.memory && agent.resources.requests.cpu);
    const hostPaths = new Map(pod.volumes.filter((volume) => volume.hostPath).map((volume) => [volume.name, volume.hostPath!.path]));
    const mounted = agent.volumeMounts.filter((mount) => hostPaths.has(mount.name));
    for (const path of ['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/kernel/debug']) {
      const mount = mounted.find((candidate) => hostPaths.get(candidate.name) === path);
      assert.equal(mount?.mountPath, path, `${path} from the host`);
      assert.equal(mount.readOnly, true, `${path} read-only`);
    }
    const hostName = agent.env.find((variable) => variable.name === 'STALLSCOPE_AGENT_HOST_NAME');
    assert.equal(hostName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName', 'host.name is the node');
  });

  it('every container runs a launcher target and every setting it is given is one the launcher accepts', () => {
    const targets: string[] = [];
    for (const workload of workloads(defaults)) {
      const pod = podOf(workload);
      for (const container of pod.containers) {
        assert.equal(container.args[0], '--target');
        const target = container.args[1]!;
        assert.ok((userTargets as readonly string[]).includes(target), `${workload.metadata.name}: ${target} is a launcher target`);
        targets.push(target);
        assert.match(container.image, /^stallscope:0\.1\.0$/, 'the image is pinned to the chart appVersion');
        const config = launcherConfigOf(defaults, pod, container);
        assert.equal(config.transport.kind, 'kafka');
        assert.deepEqual(config.transport.kafka.brokers, ['kafka-kafka-bootstrap.kafka:9092']);
        assert.equal(config.store.url, 'http://clickhouse-stallscope.clickhouse:8123');
        assert.equal(config.server.host, '0.0.0.0', 'probes and Services reach the pod address');
        assert.equal(config.server.authToken.length, 24, 'the token from the Secret');
        // Probes hit the server port, on the route every target serves without a key.
        const http = container.ports.find((port) => port.name === 'http');
        assert.equal(http?.containerPort, config.server.port);
        for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) assert.deepEqual(probe.httpGet, { path: '/healthz', port: 'http' });
        if (target === 'collector') {
          assert.equal(config.collector.host, '0.0.0.0');
          assert.deepEqual(container.ports.filter((port) => port.name !== 'http').map((port) => port.containerPort), [config.collector.grpcPort, config.collector.httpPort]);
        }
        if (target === 'query-api') assert.equal(config.store.migrate, false, 'the ingest migrates, the query API only reads');
        if (target !== 'agent') {
          assert.equal(container.securityContext.runAsNonRoot, true);
          assert.equal(container.securityContext.readOnlyRootFilesystem, true);
          assert.deepEqual(container.securityContext.capabilities?.drop, ['ALL']);
        }
      }
    }
    assert.deepEqual(targets.sort(), ['agent', 'collector', 'ingest', 'query-api']);
  });

  it('secrets stay in Secrets: env values from secretKeyRef, none in a ConfigMap', () => {
    const secret = find(defaults, 'Secret', '-auth');
    const token = Buffer.from(secret?.data?.['auth-token'] ?? '', 'base64').toString();
    assert.match(token, /^[A-Za-z0-9]{32}$/, 'a generated 32-character token');
    assert.notEqual(token, Buffer.from(find(render().manifests, 'Secret', '-auth')?.data?.['auth-token'] ?? '', 'base64').toString(), 'random per install');
    const configMaps = defaults.filter((manifest) => manifest.kind === 'ConfigMap');
    for (const configMap of configMaps) {
      const text = JSON.stringify(configMap.data);
      assert.ok(!text.includes(token), `${configMap.metadata.name} holds no secret value`);
      assert.doesNotMatch(text, /password|authToken|secret/i, `${configMap.metadata.name} has no secret setting`);
    }
    for (const workload of workloads(defaults)) {
      for (const variable of podOf(workload).containers.flatMap((container) => container.env)) {
        if (/PASSWORD|TOKEN|SECRET/.test(variable.name)) {
          assert.equal(variable.value, undefined, `${workload.metadata.name}: ${variable.name} is not written in the manifest`);
          assert.ok(variable.valueFrom?.secretKeyRef, `${workload.metadata.name}: ${variable.name} comes from a Secret`);
        }
      }
    }
  });

  it('the ingest scales on its consumer group lag; the Services reach their pods', () => {
    const hpa = find(defaults, 'HorizontalPodAutoscaler', '-ingest');
    const ingest = find(defaults, 'Deployment', '-ingest');
    assert.equal(hpa?.spec?.scaleTargetRef?.kind, 'Deployment');
    assert.equal(hpa.spec.scaleTargetRef.name, ingest?.metadata.name);
    assert.equal(ingest?.spec?.replicas, undefined, 'the HPA owns the replica count');
    const pod = podOf(ingest);
    const config = launcherConfigOf(defaults, pod, pod.containers[0]!);
    const [metric] = hpa.spec.metrics ?? [];
    assert.equal(metric?.type, 'External');
    assert.equal(metric.external.metric.name, 'kafka_consumergroup_lag');
    assert.deepEqual(metric.external.metric.selector.matchLabels, { consumergroup: config.ingest.consumerGroup });
    for (const [suffix, ports] of [['-collector', ['otlp-grpc:4317', 'otlp-http:4318', 'http:8470']], ['-query-api', ['http:8470']]] as const) {
      const service = find(defaults, 'Service', suffix);
      const workload = find(defaults, 'Deployment', suffix);
      const selector = service?.spec?.selector as Record<string, string>;
      const labels = workload?.spec?.template?.metadata.labels ?? {};
      for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, `${service?.metadata.name} selects ${workload?.metadata.name}`);
      assert.deepEqual(service?.spec?.ports?.map((port) => `${port.targetPort}:${port.port}`), ports);
      const containerPorts = new Set(podOf(workload).containers[0]!.ports.map((port) => port.name));
      for (const port of service?.spec?.ports ?? []) assert.ok(containerPorts.has(port.targetPort), `${port.targetPort} is a container port`);
    }
  });

  it('agent only, with secrets the user manages, SASL to Kafka and SYS_ADMIN for an old kernel', () => {
    const agentOnly = render(agentOnlyValues);
    const { manifests } = agentOnly;
    assert.deepEqual(manifests.map((manifest) => manifest.kind).sort(), ['ConfigMap', 'DaemonSet', 'PodMonitor', 'ServiceAccount']);
    assertValid(agentOnly);
    const pod = podOf(find(manifests, 'DaemonSet', '-agent'));
    const agent = pod.containers[0]!;
    const fromSecret = Object.fromEntries(agent.env.filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => [variable.name, variable.valueFrom!.secretKeyRef]));
    assert.deepEqual(fromSecret, {
      STALLSCOPE_SERVER_AUTH_TOKEN: { name: 'stallscope-api-token', key: 'token' },
      STALLSCOPE_TRANSPORT_KAFKA_SASL_PASSWORD: { name: 'stallscope-kafka-user', key: 'password' },
    });
    const config = launcherConfigOf(manifests, pod, agent);
    assert.deepEqual(config.transport.kafka.sasl, { mechanism: 'scram-sha-512', username: 'stallscope', password: 's'.repeat(24) });
    assert.equal(config.transport.kafka.ssl, true);
    assert.equal(config.agent.intervalMs, 15_000, 'extra settings from values.config');
    assert.ok(agent.securityContext.capabilities?.add?.includes('SYS_ADMIN'));
    assert.equal(agent.securityContext.allowPrivilegeEscalation, true, 'Kubernetes refuses SYS_ADMIN with allowPrivilegeEscalation false');
    const podMonitor = find(manifests, 'PodMonitor', 'stallscope') as unknown as { spec: { podMetricsEndpoints: { port: string; path: string; authorization: { credentials: { name: string } } }[] } };
    assert.deepEqual(podMonitor.spec.podMetricsEndpoints.map((endpoint) => [endpoint.port, endpoint.path, endpoint.authorization.credentials.name]), [['http', '/metrics', 'stallscope-api-token']]);
  });

  it('self-tracing is off by default; with an endpoint, every component sends its own spans under its own service name', () => {
    const selfTracingEnv = (container: Container) => container.env.filter((variable) => variable.name.startsWith('STALLSCOPE_SELF_TRACING_'));
    for (const workload of workloads(defaults)) {
      for (const container of podOf(workload).containers) {
        assert.deepEqual(selfTracingEnv(container), [], `${workload.metadata.name}: no self-tracing variable by default`);
        assert.equal(launcherConfigOf(defaults, podOf(workload), container).selfTracing.tracesEndpoint, '', 'self-tracing off');
      }
    }
    const tracing = render({
      fullnameOverride: 'prod-stallscope',
      selfTracing: { tracesEndpoint: 'http://observer-collector.observability:4317', sampleRatio: 0.25, serviceNames: { queryApi: 'stallscope-api-eu1' } },
    });
    assertValid(tracing);
    const seen: Record<string, { tracesEndpoint: string; serviceName: string; sampleRatio: number }> = {};
    for (const workload of workloads(tracing.manifests)) {
      const pod = podOf(workload);
      for (const container of pod.containers) {
        assert.equal(selfTracingEnv(container).length, 3, `${workload.metadata.name}: endpoint, service name and ratio`);
        const { tracesEndpoint, serviceName, sampleRatio } = launcherConfigOf(tracing.manifests, pod, container).selfTracing;
        seen[container.args[1]!] = { tracesEndpoint, serviceName, sampleRatio };
      }
    }
    const expected = (serviceName: string) => ({ tracesEndpoint: 'http://observer-collector.observability:4317', serviceName, sampleRatio: 0.25 });
    assert.deepEqual(seen, {
      agent: expected('prod-stallscope-agent'),
      collector: expected('prod-stallscope-collector'),
      ingest: expected('prod-stallscope-ingest'),
      'query-api': expected('stallscope-api-eu1'),
    });
  });

  it('refuses values that would break a deployment, with a message naming the value', () => {
    for (const [values, message] of [
      [{ image: { tag: 'latest' } }, /image\.tag: pin a version/],
      [{ kafka: { sasl: { mechanism: 'plain', username: 'u' } } }, /kafka\.sasl\.passwordSecret\.name is required/],
      [{ clickhouse: { url: '' } }, /clickhouse\.url is required/],
      [{ ingest: { autoscaling: { maxReplicas: 12 } } }, /ingest: 12 replicas but kafka\.topicPartitions is 6/],
      [{ ingest: { replicas: 8, autoscaling: { enabled: false } } }, /ingest: 8 replicas but kafka\.topicPartitions is 6/],
      // values.schema.json: a misspelt key or a value out of its set is refused, not ignored.
      [{ agnet: { enabled: false } }, /additional properties 'agnet' not allowed/],
      [{ kafka: { sasl: { mechanism: 'scram' } } }, /\/kafka\/sasl\/mechanism': value must be one of/],
      [{ selfTracing: { sampleRatio: 1.5 } }, /\/selfTracing\/sampleRatio': maximum: got 1\.5, want 1/],
      [{ selfTracing: { sampleRatio: -0.1 } }, /\/selfTracing\/sampleRatio': minimum: got -0\.1, want 0/],
      [{ selfTracing: { tracesEndpoint: 'observer:4317' } }, /\/selfTracing\/tracesEndpoint': .*does not match pattern/],
      [{ selfTracing: { serviceNames: { query: 'api' } } }, /additional properties 'query' not allowed/],
    ] as const) {
      const result = template(values);
      assert.notEqual(result.status, 0, `refused: ${JSON.stringify(values)}`);
      assert.match(result.stderr, message);
    }
  });
});

