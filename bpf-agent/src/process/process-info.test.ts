import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { identifyProcess, readProcessInfo } from './process-info.js';
import type { ProcessFacts } from './proc-reader.js';
import { parseServiceRules } from './service-rules.js';
import { processResourceAttributes } from './process-attributes.js';

const facts = (overrides: Partial<ProcessFacts>): ProcessFacts => ({
  exeLink: undefined,
  comm: undefined,
  argv: [],
  environ: [],
  cgroup: undefined,
  cwd: undefined,
  startTimeTicks: 1000,
  ...overrides,
});

const javaFacts = facts({
  exeLink: '/usr/lib/jvm/java-17-openjdk-amd64/bin/java',
  comm: 'java',
  argv: ['java', '-Xmx512m', '-cp', '/opt/kafka/libs/*', 'kafka.Kafka', '/opt/kafka/config/server.properties'],
});

test('precedence: a rule, then OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then the runtime, then the executable', () => {
  const rules = parseServiceRules('- match: { cmdline: "kafka\\\\.(Kafka)" }\n  service: broker-$1\n', 'rules.yaml');
  const env = ['OTEL_SERVICE_NAME=from-env', 'OTEL_RESOURCE_ATTRIBUTES=service.name=from-attributes'];
  assert.equal(identifyProcess({ ...javaFacts, environ: env }, rules)?.serviceName, 'broker-Kafka');
  assert.equal(identifyProcess({ ...javaFacts, environ: env })?.serviceNameSource, 'otel_service_name');
  assert.equal(identifyProcess({ ...javaFacts, environ: env.slice(1) })?.serviceName, 'from-attributes');
  assert.equal(identifyProcess(javaFacts)?.serviceName, 'kafka.Kafka');
  assert.equal(identifyProcess({ ...javaFacts, argv: ['java', '-version'] })?.serviceName, 'java', 'nothing better than the runtime');
  assert.equal(identifyProcess(facts({ exeLink: '/usr/sbin/nginx', argv: ['nginx: master process'] }))?.serviceName, 'nginx');
});

test('identity attributes: executable, redacted command line, runtime, container and pod', () => {
  const containerId = 'c'.repeat(64);
  const info = identifyProcess(
    facts({
      exeLink: '/usr/local/bin/node',
      comm: 'node',
      argv: ['node', '--enable-source-maps', 'dist/server.js', '--db-password', 'hunter2'],
      cwd: '/srv/checkout',
      cgroup: `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000_4e5f_8a9b_0123456789ab.slice/cri-containerd-${containerId}.scope\n`,
    }),
  );
  assert.deepEqual(processResourceAttributes(info!), {
    'service.name': 'checkout',
    'process.executable.name': 'node',
    'process.executable.path': '/usr/local/bin/node',
    'process.command_line': 'node --enable-source-maps dist/server.js --db-password REDACTED',
    'process.runtime.name': 'nodejs',
    'container.id': containerId,
    'k8s.pod.uid': '1a2b3c4d-0000-4e5f-8a9b-0123456789ab',
  });
});

test('a program run from a memfd is named by argv[0], else by comm', () => {
  const memfd = { exeLink: '/memfd:sealed-x3F (deleted)', comm: 'runc:[2:INIT]' };
  assert.equal(identifyProcess(facts({ ...memfd, argv: ['/usr/bin/runc', 'init'] }))?.serviceName, 'runc');
  assert.equal(identifyProcess(facts({ ...memfd, argv: [] }))?.serviceName, 'runc:[2:INIT]');
  assert.equal(identifyProcess(facts({ ...memfd, argv: [] }))?.executablePath, '/memfd:sealed-x3F');
});

test('a very long command line is cut, and rules still see all of it', () => {
  const classpath = Array.from({ length: 400 }, (_, index) => `/opt/kafka/libs/lib-${index}.jar`).join(':');
  const argv = ['java', '-cp', classpath, 'kafka.Kafka', 'server.properties'];
  const rules = parseServiceRules('- match: { cmdline: " (kafka\\\\.Kafka) " }\n  service: $1-broker\n', 'rules.yaml');
  const info = identifyProcess(facts({ exeLink: '/usr/bin/java', argv }), rules);
  assert.equal(info?.serviceName, 'kafka.Kafka-broker');
  assert.equal(info?.commandLine?.length, 4096);
});

function spawnAlive(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  return spawn(command, args, { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env }, cwd: options.cwd });
}

async function readWhenStarted(child: ChildProcess, started: (info: ReturnType<typeof readProcessInfo>) => boolean) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = readProcessInfo(child.pid!);
    if (info && started(info)) return info;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${child.pid} did not start`);
}

test('real processes: named by OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, else by the executable', async (t) => {
  const named = spawnAlive('sleep', ['30'], { env: { OTEL_SERVICE_NAME: 'billing' } });
  const attributed = spawnAlive('sleep', ['30'], { env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=foo%20bar' } });
  const plain = spawnAlive('sleep', ['30']);
  t.after(() => [named, attributed, plain].forEach((child) => child.kill()));
  const isSleep = (info: ReturnType<typeof readProcessInfo>) => info?.executableName === 'sleep';
  assert.equal((await readWhenStarted(named, isSleep)).serviceName, 'billing');
  const fromAttributes = await readWhenStarted(attributed, isSleep);
  assert.equal(fromAttributes.serviceName, 'foo bar');
  assert.equal(fromAttributes.serviceNameSource, 'otel_resource_attributes');
  const info = await readWhenStarted(plain, isSleep);
  assert.equal(info.serviceName, 'sleep');
  assert.equal(info.commandLine, 'sleep 30');
  assert.ok(info.startTimeTicks !== undefined && info.startTimeTicks > 0);
});

test('real processes: a secret on the command line is in no attribute', async (t) => {
  const child = spawnAlive('sh', ['-c', 'sleep 30; :', 'worker', '--password=secret', '--token', 's3cr3t', 'postgres://app:pa55@db/app']);
  t.after(() => child.kill());
  const info = await readWhenStarted(child, (read) => read?.executableName === 'sh' || read?.executableName === 'dash' || read?.executableName === 'bash');
  const everything = JSON.stringify({ info, attributes: processResourceAttributes(info) });
  for (const secret of ['secret', 's3cr3t', 'pa55']) assert.ok(!everything.includes(secret), `${secret} leaked: ${everything}`);
  assert.match(info.commandLine!, /--password=REDACTED --token REDACTED postgres:\/\/app:REDACTED@db\/app$/);
});

test('real processes: a python script, python -m, a shell script and a node script are named by what they run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'orders-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'report_builder.py'), 'import time\ntime.sleep(30)\n');
  writeFileSync(join(dir, 'run.sh'), 'sleep 30\n');
  writeFileSync(join(dir, 'index.mjs'), 'setTimeout(() => {}, 30_000);\n');
  const children = {
    script: spawnAlive('python3', ['-u', 'report_builder.py'], { cwd: dir }),
    module: spawnAlive('python3', ['-m', 'http.server', '--bind', '127.0.0.1', '0'], { cwd: dir }),
    shell: spawnAlive('sh', ['./run.sh'], { cwd: dir }),
    node: spawnAlive(process.execPath, ['--enable-source-maps', 'index.mjs'], { cwd: dir }),
  };
  t.after(() => Object.values(children).forEach((child) => child.kill()));
  // Read once the child runs its own command line: until its exec a forked child shows this
  // test's (node, with the runner's arguments), while exec sets the new program up its command
  // line can read empty (CI once read python3 so, named by its executable), and python3 may be
  // a launcher script (pyenv, asdf) that execs the interpreter later.
  const runs = (runtimeName: string, argument: string) => (info: ReturnType<typeof readProcessInfo>) =>
    info?.runtimeName === runtimeName && (info.commandLine ?? '').split(' ').includes(argument);
  assert.equal((await readWhenStarted(children.script, runs('python', 'report_builder.py'))).serviceName, 'report_builder');
  assert.equal((await readWhenStarted(children.module, runs('python', 'http.server'))).serviceName, 'http.server');
  const shellInfo = await readWhenStarted(children.shell, (info) => info?.runtimeName !== undefined && (info.commandLine ?? '').split(' ').includes('./run.sh'));
  assert.equal(shellInfo.serviceName, basename(dir), 'run.sh is named by its directory');
  const nodeInfo = await readWhenStarted(children.node, runs('nodejs', 'index.mjs'));
  assert.equal(nodeInfo.serviceName, basename(dir), 'index.mjs is named by its directory');
});
