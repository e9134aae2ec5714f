// Real processes: this test's own TCP connection and file, a child whose
// stdin is a Unix socket (libuv's stdio pipes are socketpairs) and a bash
// holding a real pipe, resolved through the real /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanAttr } from '@stallscope/schemas';
import { CallContext, futexOpName, openFlagNames } from './call-context.js';

test('open flags and futex operations by name', () => {
  assert.deepEqual(openFlagNames(0), ['O_RDONLY']);
  assert.deepEqual(openFlagNames(0o1 | 0o100 | 0o1000 | 0o2000000), ['O_WRONLY', 'O_CREAT', 'O_TRUNC', 'O_CLOEXEC']);
  assert.deepEqual(openFlagNames(0o2 | 0o4010000), ['O_RDWR', 'O_SYNC'], 'O_SYNC, not O_DSYNC as well');
  assert.equal(futexOpName(0), 'FUTEX_WAIT');
  assert.equal(futexOpName(9 | 128), 'FUTEX_WAIT_BITSET_PRIVATE');
  assert.equal(futexOpName(1 | 128 | 256), 'FUTEX_WAKE_PRIVATE');
});

test('a futex wait says whether it had a timeout; epoll and poll say theirs', () => {
  const context = new CallContext();
  const futex = context.attributes('futex', [0x7f00n, 128n, 0n, 0x7ffdn], 1);
  assert.equal(futex[SpanAttr.futexOp], 'FUTEX_WAIT_PRIVATE');
  assert.equal(futex[SpanAttr.futexTimed], true);
  assert.equal(context.attributes('epoll_wait', [4n, 0n, 128n, 0xffff_ffffn], 1)[SpanAttr.waitTimeoutMs], -1);
  assert.equal(context.attributes('poll', [0n, 1n, 250n, 0n], 1)[SpanAttr.waitTimeoutMs], 250);
});

test('fd targets of a live process: TCP socket endpoints, a file path, a pipe; a closed fd goes unnamed', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const client = createConnection(port, '127.0.0.1');
  await once(client, 'connect');
  const file = join(mkdtempSync(join(tmpdir(), 'stallscope-ctx-')), 'data');
  writeFileSync(file, 'x');
  const fileFd = openSync(file, 'r');
  const child = spawn('sleep', ['5'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const piped = spawn('bash', ['-c', 'exec 3< <(sleep 5); echo ready; sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await once(piped.stdout, 'data');
  try {
    const context = new CallContext();
    const socketFd = (client as Socket & { _handle: { fd: number } })._handle.fd;
    const socket = context.attributes('recvfrom', [BigInt(socketFd)], process.pid);
    assert.equal(socket[SpanAttr.fdTarget], 'socket');
    assert.equal(socket[SpanAttr.networkTransport], 'tcp');
    assert.equal(socket[SpanAttr.networkPeerAddress], '127.0.0.1');
    assert.equal(socket[SpanAttr.networkPeerPort], port);
    assert.equal(socket[SpanAttr.networkLocalPort], client.localPort);

    const read = context.attributes('read', [BigInt(fileFd)], process.pid);
    assert.equal(read[SpanAttr.fdTarget], 'file');
    assert.equal(read[SpanAttr.filePath], file);

    const stdin = context.attributes('read', [0n], child.pid!);
    assert.equal(stdin[SpanAttr.fdTarget], 'socket');
    assert.equal(stdin[SpanAttr.networkTransport], 'unix');
    assert.equal(context.attributes('read', [3n], piped.pid!)[SpanAttr.fdTarget], 'pipe');
    assert.deepEqual(context.attributes('read', [999_999n], process.pid), {});
  } finally {
    closeSync(fileFd);
    child.kill();
    piped.kill();
    client.destroy();
    server.close();
  }
});
