// Starts (real-kernel tests): the stallscope-loader with the tcp signal; small
// Node clients and servers on 127.0.0.1; and, for the lossy link, two network
// namespaces joined by a veth pair (private addresses inside them only) with an
// nftables rule dropping one TCP packet in five. The namespaces are deleted
// even when a test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import { MetricAttr, TCP_CONNECTION_EVENT, TcpConnectionFlag, TcpLogAttr, type TcpCountKind } from '@stallscope/schemas';
import type { LoaderHandle } from '../../src/loader/loader-process.js';
import type { LoaderRecord, TcpConnectHistRecord, TcpConnectionRecord, TcpCountRecord } from '../../src/loader/records.js';
import { ProcessRegistry } from '../../src/process/process-registry.js';
import { createTcpSignal } from './tcp-signal.js';
import { loaderSkipReason, spawnTestLoader } from '../../src/loader/fixtures/test-loader.js';

const commandMissing = (name: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
};
const skipReason = loaderSkipReason();
const netnsSkipReason =
  skipReason ?? (commandMissing('ip') ? 'no ip (iproute2) for network namespaces' : commandMissing('nft') ? 'no nft (nftables; scripts/setup.sh --for-tests installs it)' : undefined);

interface Capture {
  loader: LoaderHandle;
  records: LoaderRecord[];
}

async function startLoader(tcpServicePorts: number[] = []): Promise<Capture> {
  const records: LoaderRecord[] = [];
  const loader = spawnTestLoader({
    signals: ['tcp'],
    tcpServicePorts,
    onRecord: (record) => records.push(record),
  });
  await loader.hello;
  return { loader, records };
}

/** The latest cumulative count of a (tgid, kind), summed over port classes. */
function countOf(records: readonly LoaderRecord[], tgid: number, kind: TcpCountKind): number {
  const latest = new Map<number, bigint>();
  for (const r of records) if (r.type === 'tcp-count' && r.tgid === tgid && r.kind === kind) latest.set(r.portClass, r.count);
  return Number([...latest.values()].reduce((a, b) => a + b, 0n));
}

/** Resolves once a snapshot has ended after the call, i.e. the counters seen are current. */
async function nextSnapshot(records: readonly LoaderRecord[]): Promise<void> {
  const seen = records.filter((r) => r.type === 'snapshot-end').length;
  while (records.filter((r) => r.type === 'snapshot-end').length < seen + 2) await sleep(50);
}

async function runNode(script: string, args: string[], netns?: string): Promise<{ pid: number; code: number; stdout: string }> {
  const command = netns ? ['ip', ['netns', 'exec', netns, process.execPath, '-e', script, ...args]] as const : [process.execPath, ['-e', script, ...args]] as const;
  // ip netns exec execs the program in place: the pid is the client's.
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  // 'close', not 'exit': the child can exit before its last output is read.
  const [code] = (await once(child, 'close')) as [number];
  return { pid: child.pid!, code, stdout };
}

const CONNECT_ONCE = `
const [host, port] = process.argv.slice(1);
require('node:net').connect(Number(port), host).on('error', (e) => { console.log(e.code); process.exit(0); }).on('connect', () => process.exit(3));
`;

const CONNECT_MANY = `
const net = require('node:net');
const [host, port, times] = process.argv.slice(1);
(async () => {
  for (let i = 0; i < Number(times); i++) {
    await new Promise((resolve, reject) => { const s = net.connect(Number(port), host, () => { s.end(); resolve(); }); s.on('error', reject); });
  }
})();
`;

/** Sends N bytes and waits for the server's "done" before closing (no reset from unread data). */
const SEND_BYTES = `
const [host, port, bytes] = process.argv.slice(1);
const s = require('node:net').connect(Number(port), host, () => { s.end(Buffer.alloc(Number(bytes), 7)); });
s.on('data', (d) => { if (String(d).includes('done')) { s.destroy(); process.exit(0); } });
s.on('error', (e) => { console.error(e); process.exit(1); });
`;

const RECEIVE_BYTES = `
const [host, port] = process.argv.slice(1);
const server = require('node:net').createServer((s) => {
  let n = 0;
  s.on('data', (d) => (n += d.length));
  s.on('end', () => { s.end('done ' + n); server.close(); });
});
server.listen(Number(port), host, () => console.log('listening'));
`;

function testContext(processes: ProcessRegistry) {
  return { hostName: 'test-host', processes, toUnixNs: (ns: bigint) => ns, command: () => {} };
}
const namedByPid = () => new ProcessRegistry(100, (tgid) => ({ serviceName: `svc-${tgid}`, executableName: 'node', containerId: undefined }), () => 1);

test('a connect to a closed port on 127.0.0.1 counts as refused: failure, reset and one connection event', { skip: skipReason, timeout: 30_000 }, async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const closedPort = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  const { loader, records } = await startLoader([closedPort]);
  try {
    const client = await runNode(CONNECT_ONCE, ['127.0.0.1', String(closedPort)]);
    assert.equal(client.stdout.trim(), 'ECONNREFUSED');
    await nextSnapshot(records);
    assert.equal(countOf(records, client.pid, 'connect_refused'), 1, 'one refused connect');
    assert.equal(countOf(records, client.pid, 'connect_unanswered'), 0);
    assert.equal(countOf(records, client.pid, 'reset_received'), 1, 'the reset that refused it');
    const events = records.filter((r): r is TcpConnectionRecord => r.type === 'tcp-connection' && r.tgid === client.pid);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.peerAddress, '127.0.0.1');
    assert.equal(events[0]!.peerPort, closedPort);
    assert.equal(events[0]!.flags, TcpConnectionFlag.connectFailed | TcpConnectionFlag.refused | TcpConnectionFlag.resetReceived);

    // Through the agent's signal: metrics by service and the configured port's class, the event as a log record.
    const signal = createTcpSignal(testContext(namedByPid()));
    for (const r of records) if (signal.recordTypes.includes(r.type)) signal.onRecord(r);
    const output = signal.endInterval({ startTime: [1, 0], endTime: [2, 0] });
    const failures = output.resourceMetrics
      .filter((rm) => rm.resource.attributes['service.name'] === `svc-${client.pid}`)
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .find((m) => m.descriptor.name === 'tcp.connect.failures');
    assert.ok(failures && failures.dataPointType === DataPointType.SUM);
    assert.deepEqual(failures.dataPoints.map((p) => [p.attributes, p.value]), [
      [{ [MetricAttr.tcpPeerPortClass]: String(closedPort), [MetricAttr.errorType]: 'refused' }, 1],
    ]);
    const log = output.logRecords.find((l) => l.attributes[TcpLogAttr.processPid] === client.pid);
    assert.equal(log?.eventName, TCP_CONNECTION_EVENT);
    assert.equal(log?.attributes[TcpLogAttr.networkPeerAddress], '127.0.0.1');
    assert.equal(log?.attributes[TcpLogAttr.networkPeerPort], closedPort);
    assert.equal(log?.attributes[TcpLogAttr.networkTransport], 'tcp');
    assert.equal(log?.body, `connect to 127.0.0.1:${closedPort} refused`);
  } finally {
    await loader.stop();
  }
});

test('connects to a listening port on 127.0.0.1: every connect latency recorded, exactly', { skip: skipReason, timeout: 30_000 }, async () => {
  const server = createServer((s) => s.resume().on('end', () => s.end())).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const { loader, records } = await startLoader();
  try {
    const connects = 25;
    const client = await runNode(CONNECT_MANY, ['127.0.0.1', String(port), String(connects)]);
    assert.equal(client.code, 0);
    await nextSnapshot(records);
    const latest = new Map<number, TcpConnectHistRecord>();
    for (const r of records) if (r.type === 'tcp-connect-hist' && r.tgid === client.pid) latest.set(r.bucket, r);
    const count = [...latest.values()].reduce((n, r) => n + Number(r.count), 0);
    const sumNs = [...latest.values()].reduce((n, r) => n + Number(r.sumNs), 0);
    assert.equal(count, connects, 'one latency per connect');
    assert.ok(sumNs > 0 && sumNs / count < 100_000_000, `mean connect latency ${sumNs / count} ns on loopback`);
    assert.equal(countOf(records, client.pid, 'connect_refused') + countOf(records, client.pid, 'connect_unanswered'), 0);
    console.log(`loopback: ${count} connects, mean ${(sumNs / count / 1000).toFixed(1)} us`);

    const signal = createTcpSignal(testContext(namedByPid()));
    for (const r of records) if (signal.recordTypes.includes(r.type)) signal.onRecord(r);
    const output = signal.endInterval({ startTime: [1, 0], endTime: [2, 0] });
    const duration = output.resourceMetrics
      .filter((rm) => rm.resource.attributes['service.name'] === `svc-${client.pid}`)
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .find((m) => m.descriptor.name === 'tcp.connect.duration');
    assert.ok(duration && duration.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM);
    assert.equal(duration.dataPoints[0]!.value.count, connects);
    assert.equal(duration.dataPoints[0]!.value.scale, 0);
    assert.deepEqual(duration.dataPoints[0]!.attributes, { [MetricAttr.tcpPeerPortClass]: 'other' });
  } finally {
    await loader.stop();
    server.close();
  }
});

/** RetransSegs of a namespace's TCP MIB (/proc/net/snmp as seen inside it). */
function retransSegs(netns: string): number {
  const snmp = execFileSync('ip', ['netns', 'exec', netns, 'cat', '/proc/net/snmp'], { encoding: 'utf8' });
  const [names, values] = snmp.split('\n').filter((line) => line.startsWith('Tcp:'));
  const index = names!.split(/\s+/).indexOf('RetransSegs');
  return Number(values!.split(/\s+/)[index]);
}

test('retransmits over a lossy link between two namespaces match the kernel RetransSegs', { skip: netnsSkipReason, timeout: 120_000 }, async () => {
  const clientNs = `stallscope-tcp-c${process.pid}`;
  const serverNs = `stallscope-tcp-s${process.pid}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const inNs = (ns: string, ...command: string[]) => execFileSync('ip', ['netns', 'exec', ns, ...command], { stdio: 'pipe' });
  let capture: Capture | undefined;
  try {
    ip('netns', 'add', clientNs);
    ip('netns', 'add', serverNs);
    ip('-n', clientNs, 'link', 'add', 'sst-c', 'type', 'veth', 'peer', 'name', 'sst-s', 'netns', serverNs);
    ip('-n', clientNs, 'addr', 'add', '10.231.0.1/30', 'dev', 'sst-c');
    ip('-n', serverNs, 'addr', 'add', '10.231.0.2/30', 'dev', 'sst-s');
    for (const [ns, dev] of [[clientNs, 'sst-c'], [serverNs, 'sst-s']] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // One TCP packet in five arriving at the server is lost: the client retransmits.
    inNs(serverNs, 'nft', 'add', 'table', 'inet', 'stallscope_loss');
    inNs(serverNs, 'nft', 'add', 'chain', 'inet', 'stallscope_loss', 'in', '{ type filter hook input priority 0 ; }');
    inNs(serverNs, 'nft', 'add', 'rule', 'inet', 'stallscope_loss', 'in', 'meta', 'l4proto', 'tcp', 'numgen', 'random', 'mod', '5', '==', '0', 'drop');

    capture = await startLoader();
    const before = { client: retransSegs(clientNs), server: retransSegs(serverNs) };
    const serverChild = spawn('ip', ['netns', 'exec', serverNs, process.execPath, '-e', RECEIVE_BYTES, '10.231.0.2', '9000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const serverExited = once(serverChild, 'exit');
    await once(serverChild.stdout, 'data');
    const bytes = 4 * 1024 * 1024;
    const client = await runNode(SEND_BYTES, ['10.231.0.2', '9000', String(bytes)], clientNs);
    assert.equal(client.code, 0, 'the client sent everything and the server said done');
    await serverExited;
    await sleep(300); // late retransmits of the closing handshake
    await nextSnapshot(capture.records);
    const kernel = retransSegs(clientNs) - before.client + retransSegs(serverNs) - before.server;
    const measured = countOf(capture.records, client.pid, 'retransmit') + countOf(capture.records, serverChild.pid!, 'retransmit');
    console.log(
      `lossy link: ${bytes} bytes, retransmits measured ${measured} (client ${countOf(capture.records, client.pid, 'retransmit')}, server ${countOf(capture.records, serverChild.pid!, 'retransmit')}), RetransSegs delta ${kernel} (client ns ${retransSegs(clientNs) - before.client}, server ns ${retransSegs(serverNs) - before.server})`,
    );
    assert.ok(measured > 0, 'retransmits were counted');
    assert.ok(Math.abs(measured - kernel) <= kernel * 0.1, `measured ${measured} within 10% of RetransSegs ${kernel}`);
    const event = capture.records.find((r): r is TcpConnectionRecord => r.type === 'tcp-connection' && r.tgid === client.pid);
    assert.ok(event, 'the retransmitting connection was sent as notable');
    assert.equal(event.peerAddress, '10.231.0.2');
    assert.equal(event.peerPort, 9000);
    assert.ok(event.retransmits > 0 && (event.flags & TcpConnectionFlag.retransmits) !== 0);
  } finally {
    await capture?.loader.stop();
    for (const ns of [clientNs, serverNs]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Not created: nothing to clean.
      }
    }
  }
});
