import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CpuStackRecordLayout,
  DROP_REASONS,
  HelloRecordLayout,
  OffCpuHistRecordLayout,
  PROCESS_ARGS_LEN,
  ProcessEventRecordLayout,
  RECORD_ABI_VERSION,
  RecordHeaderLayout,
  RecordType,
  SlowSyscallRecordLayout,
  SnapshotEndRecordLayout,
  OffCpuStackRecordLayout,
  StackTraceRecordLayout,
  StacksResetRecordLayout,
  SyscallErrorsRecordLayout,
  SyscallHistRecordLayout,
  UserStackRecordLayout,
  TcpConnectHistRecordLayout,
  TcpConnectionRecordLayout,
  TcpCountRecordLayout,
} from '@stallscope/schemas';
import { RecordDecoder } from './decode.js';
import type { LoaderRecord } from './records.js';

function header(type: number, size: number, version: number = RECORD_ABI_VERSION): Buffer {
  const b = Buffer.alloc(RecordHeaderLayout.size);
  b.writeUInt16LE(type, RecordHeaderLayout.type);
  b.writeUInt16LE(version, RecordHeaderLayout.version);
  b.writeUInt32LE(size, RecordHeaderLayout.recordSize);
  return b;
}

function record(type: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  header(type, size).copy(b);
  return b;
}

function hello(): Buffer {
  const L = HelloRecordLayout;
  const b = record(RecordType.hello, L.size);
  b.writeUInt32LE(4242, L.loaderPid);
  b.writeUInt32LE(1000, L.intervalMs);
  b.writeBigUInt64LE(123_456_789_012n, L.monotonicNs);
  b.writeBigUInt64LE(1_700_000_000_000_000_000n, L.realtimeNs);
  b.writeBigUInt64LE(10_000_000n, L.slowThresholdNs);
  b.writeUInt32LE(65536, L.maxHistEntries);
  b.writeUInt32LE(7, L.signals);
  return b;
}

function hist(): Buffer {
  const L = SyscallHistRecordLayout;
  const b = record(RecordType.syscallHist, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(230, L.syscallNr);
  b.writeUInt32LE(29, L.bucket);
  b.writeUInt32LE(0x80000005, L.classKey);
  b.writeBigUInt64LE(3n, L.count);
  b.writeBigUInt64LE(900_000_000n, L.sumNs);
  b.writeBigUInt64LE(2n ** 64n - 1n, L.maxNs);
  return b;
}

function snapshotEnd(): Buffer {
  const L = SnapshotEndRecordLayout;
  const b = record(RecordType.snapshotEnd, L.size);
  b.writeBigUInt64LE(5n, L.monotonicNs);
  b.writeBigUInt64LE(6n, L.realtimeNs);
  DROP_REASONS.forEach((_, i) => b.writeBigUInt64LE(BigInt(i + 1), L.drops + 8 * i));
  return b;
}

function slowSyscall(comm: string): Buffer {
  const L = SlowSyscallRecordLayout;
  const b = record(RecordType.slowSyscall, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(78, L.tid);
  b.writeUInt32LE(202, L.syscallNr);
  b.writeUInt32LE(0x702, L.classKey);
  b.writeBigUInt64LE(1n, L.args);
  b.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, L.args + 8);
  b.writeBigUInt64LE(3n, L.args + 16);
  b.writeBigUInt64LE(4n, L.args + 24);
  b.writeBigInt64LE(-110n, L.ret);
  b.writeBigUInt64LE(1000n, L.startNs);
  b.writeBigUInt64LE(250_000_000n, L.durationNs);
  b.writeBigUInt64LE(4_000_000n, L.runQueueNs);
  b.writeInt32LE(-1, L.stackId);
  b.write(comm, L.comm, 'utf8');
  return b;
}

function userStack(): Buffer {
  const L = UserStackRecordLayout;
  const b = record(RecordType.userStack, L.size);
  b.writeUInt32LE(5, L.stackId);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(202, L.syscallNr);
  b.writeUInt32LE(2, L.depth);
  b.writeBigUInt64LE(0x401000n, L.ips);
  b.writeBigUInt64LE(0x402000n, L.ips + 8);
  b.writeBigUInt64LE(0x401234n, L.leafReturn);
  return b;
}

function offCpuHist(): Buffer {
  const L = OffCpuHistRecordLayout;
  const b = record(RecordType.offcpuHist, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(0, L.state);
  b.writeUInt32LE(20, L.bucket);
  b.writeBigUInt64LE(4n, L.count);
  b.writeBigUInt64LE(2_000_000n, L.sumNs);
  b.writeBigUInt64LE(900_000n, L.maxNs);
  return b;
}

function syscallErrors(): Buffer {
  const L = SyscallErrorsRecordLayout;
  const b = record(RecordType.syscallErrors, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(0, L.syscallNr);
  b.writeUInt32LE(11, L.errno);
  b.writeBigUInt64LE(12345n, L.count);
  return b;
}

function stackTrace(type: number = RecordType.stackTrace): Buffer {
  const L = StackTraceRecordLayout;
  const b = record(type, L.size);
  b.writeUInt32LE(3, L.stackId);
  b.writeUInt32LE(1, L.depth);
  b.writeBigUInt64LE(0xffffffff81000000n, L.ips);
  return b;
}

function cpuStack(): Buffer {
  const L = CpuStackRecordLayout;
  const b = record(RecordType.cpuStack, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeInt32LE(-14, L.kernelStack);
  b.writeInt32LE(9, L.userStack);
  b.writeBigUInt64LE(57n, L.samples);
  return b;
}

function offCpuStack(): Buffer {
  const L = OffCpuStackRecordLayout;
  const b = record(RecordType.offcpuStack, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(2, L.state);
  b.writeInt32LE(3, L.kernelStack);
  b.writeInt32LE(-1, L.userStack);
  b.writeBigUInt64LE(5_000_000n, L.offCpuNs);
  b.writeBigUInt64LE(16n, L.count);
  return b;
}

function processEvent(): Buffer {
  const L = ProcessEventRecordLayout;
  const b = record(RecordType.processEvent, L.size);
  b.writeUInt32LE(2, L.kind);
  b.writeUInt32LE(91, L.tgid);
  b.writeUInt32LE(77, L.parentTgid);
  b.writeBigUInt64LE(99n, L.timeNs);
  b.write('sh', L.comm, 'utf8');
  b.write('/bin/sh', L.filename, 'utf8');
  return b;
}

const expected: LoaderRecord[] = [
  {
    type: 'hello',
    loaderPid: 4242,
    intervalMs: 1000,
    monotonicNs: 123_456_789_012n,
    realtimeNs: 1_700_000_000_000_000_000n,
    slowThresholdNs: 10_000_000n,
    maxHistEntries: 65536,
    signals: 7,
  },
  {
    type: 'syscall-hist',
    tgid: 77,
    syscallNr: 230,
    bucket: 29,
    classKey: 0x80000005,
    count: 3n,
    sumNs: 900_000_000n,
    maxNs: 2n ** 64n - 1n,
  },
  {
    type: 'snapshot-end',
    monotonicNs: 5n,
    realtimeNs: 6n,
    drops: {
      hist_map_full: 1n,
      start_map_full: 2n,
      ringbuf_full: 3n,
      stack_map_full: 4n,
      offcpu_map_full: 5n,
      process_ringbuf_full: 6n,
      error_map_full: 7n,
      offcpu_stack_full: 8n,
      tcp_map_full: 9n,
      tcp_event_rate: 10n,
      tcp_ringbuf_full: 11n,
      go_map_full: 12n,
      go_stack_full: 13n,
      profile_full: 14n,
      memory_map_full: 15n,
      memory_ringbuf_full: 16n,
    },
  },
  {
    type: 'slow-syscall',
    tgid: 77,
    tid: 78,
    syscallNr: 202,
    classKey: 0x702,
    args: [1n, 0xffff_ffff_ffff_ffffn, 3n, 4n],
    returnValue: -110n,
    startNs: 1000n,
    durationNs: 250_000_000n,
    runQueueNs: 4_000_000n,
    stackId: -1,
    comm: 'postgres',
  },
  { type: 'user-stack', stackId: 5, tgid: 77, syscallNr: 202, ips: [0x401000n, 0x402000n], leafReturn: 0x401234n },
  { type: 'offcpu-hist', tgid: 77, state: 'run-queue', bucket: 20, count: 4n, sumNs: 2_000_000n, maxNs: 900_000n },
  { type: 'process-event', kind: 'fork', tgid: 91, parentTgid: 77, timeNs: 99n, comm: 'sh', filename: '/bin/sh', argv: [] },
  { type: 'syscall-errors', tgid: 77, syscallNr: 0, errno: 11, count: 12345n },
  { type: 'stack-trace', stackId: 3, ips: [0xffffffff81000000n] },
  { type: 'offcpu-stack', tgid: 77, state: 'uninterruptible', kernelStack: 3, userStack: -1, offCpuNs: 5_000_000n, count: 16n },
  { type: 'stacks-reset' },
  { type: 'cpu-stack-trace', stackId: 3, ips: [0xffffffff81000000n] },
  { type: 'cpu-stack', tgid: 77, kernelStack: -14, userStack: 9, samples: 57n },
  { type: 'cpu-stacks-reset' },
];

const stream = Buffer.concat([hello(), hist(), snapshotEnd(), slowSyscall('postgres'), userStack(), offCpuHist(), processEvent(), syscallErrors(), stackTrace(), offCpuStack(), record(RecordType.stacksReset, StacksResetRecordLayout.size), stackTrace(RecordType.cpuStackTrace), cpuStack(), record(RecordType.cpuStacksReset, StacksResetRecordLayout.size)]);

test('decodes every record type', () => {
  const decoder = new RecordDecoder();
  assert.deepEqual(decoder.push(stream), expected);
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.skippedRecords, 0);
});

test('reassembles records split at every byte boundary', () => {
  for (let cut = 0; cut <= stream.length; cut++) {
    const decoder = new RecordDecoder();
    const records = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
    assert.deepEqual(records, expected, `split at byte ${cut}`);
    assert.equal(decoder.bufferedBytes, 0);
  }
});

test('reassembles a stream fed one byte at a time', () => {
  const decoder = new RecordDecoder();
  const records: LoaderRecord[] = [];
  for (let i = 0; i < stream.length; i++) records.push(...decoder.push(stream.subarray(i, i + 1)));
  assert.deepEqual(records, expected);
});

test('comm of the full 16 bytes has no NUL to trim', () => {
  const [record] = new RecordDecoder().push(slowSyscall('abcdefghijklmnop'));
  assert.equal(record?.type === 'slow-syscall' && record.comm, 'abcdefghijklmnop');
});

/** An exec record whose args field holds `args` with args_size `argsSize`. */
function execEvent(args: Buffer, argsSize: number): Buffer {
  const L = ProcessEventRecordLayout;
  const b = record(RecordType.processEvent, L.size);
  b.writeUInt32LE(1, L.kind);
  b.writeUInt32LE(92, L.tgid);
  b.write('java', L.comm, 'utf8');
  b.write('/usr/bin/java', L.filename, 'utf8');
  args.copy(b, L.args);
  b.writeUInt32LE(argsSize, L.argsSize);
  return b;
}

function decodedArgv(event: Buffer): string[] | undefined {
  const [decoded] = new RecordDecoder().push(event);
  return decoded?.type === 'process-event' ? decoded.argv : undefined;
}

test('an exec record carries its argv: NUL-separated, args_size bytes only, the last argument cut where the field ends', () => {
  const whole = Buffer.from('java\0-Dpassword=x\0\0-jar\0app.jar\0', 'utf8');
  // The bytes past args_size are an earlier record's: never arguments.
  const withStaleTail = Buffer.concat([whole, Buffer.from('stale\0bytes\0', 'utf8')]);
  assert.deepEqual(decodedArgv(execEvent(withStaleTail, whole.length)), ['java', '-Dpassword=x', '', '-jar', 'app.jar']);

  const longArg = `-cp=${'a'.repeat(2 * PROCESS_ARGS_LEN)}`;
  const cut = Buffer.from(`java\0${longArg}\0`, 'utf8').subarray(0, PROCESS_ARGS_LEN);
  assert.deepEqual(decodedArgv(execEvent(cut, PROCESS_ARGS_LEN)), ['java', longArg.slice(0, PROCESS_ARGS_LEN - 'java\0'.length)]);

  // A corrupt size reads no further than the field.
  assert.deepEqual(decodedArgv(execEvent(cut, PROCESS_ARGS_LEN + 100)), ['java', longArg.slice(0, PROCESS_ARGS_LEN - 'java\0'.length)]);
  assert.deepEqual(decodedArgv(execEvent(whole, 0)), []);
});

test('skips and counts records of unknown types by their header size', () => {
  const unknown = record(99, 20);
  unknown.fill(0xee, RecordHeaderLayout.size);
  const decoder = new RecordDecoder();
  const records = decoder.push(Buffer.concat([hello(), unknown, hist()]));
  assert.deepEqual(records, [expected[0], expected[1]]);
  assert.equal(decoder.skippedRecords, 1);
});

test('rejects a corrupt or mismatched header', () => {
  assert.throws(() => new RecordDecoder().push(header(RecordType.hello, 4)), /size 4 /);
  assert.throws(() => new RecordDecoder().push(header(99, 0)), /size 0 .*corrupt/);
  assert.throws(() => new RecordDecoder().push(header(RecordType.hello, HelloRecordLayout.size, 1)), new RegExp(`ABI version 1, expected ${RECORD_ABI_VERSION}`));
  assert.throws(() => new RecordDecoder().push(header(RecordType.syscallHist, 56)), /size 56 \(expected 48\)/);
  // Only the header has arrived, yet the size is already known to be absurd.
  assert.throws(() => new RecordDecoder().push(header(99, 0x7fff_ffff)), /corrupt/);
  // The error surfaces when the second chunk completes the bad header.
  const decoder = new RecordDecoder();
  assert.deepEqual(decoder.push(Buffer.concat([hello(), header(RecordType.hello, 4).subarray(0, 5)])), [expected[0]]);
  assert.throws(() => decoder.push(header(RecordType.hello, 4).subarray(5)), /size 4 /);
});

function tcpCount(): Buffer {
  const L = TcpCountRecordLayout;
  const b = record(RecordType.tcpCount, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(3, L.kind);
  b.writeUInt32LE(5432, L.portClass);
  b.writeBigUInt64LE(12n, L.count);
  return b;
}

function tcpConnectHist(): Buffer {
  const L = TcpConnectHistRecordLayout;
  const b = record(RecordType.tcpConnectHist, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(0, L.portClass);
  b.writeUInt32LE(17, L.bucket);
  b.writeBigUInt64LE(2n, L.count);
  b.writeBigUInt64LE(150_000n, L.sumNs);
  b.writeBigUInt64LE(90_000n, L.maxNs);
  return b;
}

function tcpConnection(family: number, local: number[], peer: number[]): Buffer {
  const L = TcpConnectionRecordLayout;
  const b = record(RecordType.tcpConnection, L.size);
  b.writeUInt32LE(77, L.tgid);
  b.writeUInt32LE(0x7, L.flags);
  b.writeBigUInt64LE(5_000n, L.closeNs);
  b.writeBigUInt64LE(0n, L.connectNs);
  b.writeUInt32LE(4, L.retransmits);
  b.writeUInt16LE(family, L.family);
  b.writeUInt16LE(40_000, L.localPort);
  b.writeUInt16LE(443, L.peerPort);
  b.writeUInt16LE(2, L.lastState);
  Buffer.from(local).copy(b, L.localAddr);
  Buffer.from(peer).copy(b, L.peerAddr);
  b.write('curl', L.comm);
  return b;
}

test('decodes the tcp records: counts, connect latency and connections of both families', () => {
  const v6Peer = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const v6Local = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const records = new RecordDecoder().push(
    Buffer.concat([
      tcpCount(),
      tcpConnectHist(),
      tcpConnection(2, [127, 0, 0, 1], [10, 1, 2, 3]),
      tcpConnection(10, v6Local, v6Peer),
      tcpConnection(1, [], []), // AF_UNIX: not a TCP peer, skipped
    ]),
  );
  assert.deepEqual(records.slice(0, 3), [
    { type: 'tcp-count', tgid: 77, kind: 'connect_refused', portClass: 5432, count: 12n },
    { type: 'tcp-connect-hist', tgid: 77, portClass: 0, bucket: 17, count: 2n, sumNs: 150_000n, maxNs: 90_000n },
    {
      type: 'tcp-connection',
      tgid: 77,
      flags: 0x7,
      closeNs: 5_000n,
      connectNs: 0n,
      retransmits: 4,
      family: 'ipv4',
      localPort: 40_000,
      localAddress: '127.0.0.1',
      peerPort: 443,
      peerAddress: '10.1.2.3',
      lastState: 2,
      comm: 'curl',
    },
  ]);
  const v6 = records[3];
  assert.ok(v6?.type === 'tcp-connection');
  assert.equal(v6.family, 'ipv6');
  assert.equal(v6.peerAddress, '2001:db8::1');
  assert.equal(v6.localAddress, '::1');
  assert.equal(records.length, 4);
});
