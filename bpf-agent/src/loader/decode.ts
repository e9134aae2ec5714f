import {
  CpuStackRecordLayout,
  DROP_REASONS,
  GO_HIST_KINDS,
  GoCountsRecordLayout,
  GoHistRecordLayout,
  GoParkStackRecordLayout,
  HelloRecordLayout,
  MemorySampleRecordLayout,
  OomVictimRecordLayout,
  OFFCPU_STATES,
  OffCpuHistRecordLayout,
  OffCpuStackRecordLayout,
  ProcessEventKind,
  PROCESS_ARGS_LEN,
  PROCESS_FILENAME_LEN,
  ProcessEventRecordLayout,
  RECORD_ABI_VERSION,
  RecordHeaderLayout,
  RecordType,
  SLOW_SYSCALL_ARGS,
  SlowSyscallRecordLayout,
  SnapshotEndRecordLayout,
  StackTraceRecordLayout,
  StacksResetRecordLayout,
  SyscallErrorsRecordLayout,
  SyscallHistRecordLayout,
  TASK_COMM_LEN,
  TCP_COUNT_KINDS,
  TcpConnectHistRecordLayout,
  TcpConnectionRecordLayout,
  TcpCountRecordLayout,
  UserStackRecordLayout,
} from '@stallscope/schemas';
import type { DropReason } from '@stallscope/schemas';
import type {
  GoHistRecord,
  LoaderRecord,
  MemorySampleRecord,
  OomVictimRecord,
  OffCpuHistRecord,
  ProcessEventRecord,
  SlowSyscallRecord,
  SnapshotEndRecord,
  StackTraceRecord,
  TcpConnectHistRecord,
  TcpConnectionRecord,
  TcpCountRecord,
  UserStackRecord,
} from './records.js';

/** Larger headers mean a corrupt stream: refuse them instead of buffering without bound. */
const MAX_RECORD_SIZE = 64 * 1024;
const EMPTY = Buffer.alloc(0);

const knownSizes = new Map<number, number>([
  [RecordType.hello, HelloRecordLayout.size],
  [RecordType.syscallHist, SyscallHistRecordLayout.size],
  [RecordType.snapshotEnd, SnapshotEndRecordLayout.size],
  [RecordType.slowSyscall, SlowSyscallRecordLayout.size],
  [RecordType.userStack, UserStackRecordLayout.size],
  [RecordType.offcpuHist, OffCpuHistRecordLayout.size],
  [RecordType.processEvent, ProcessEventRecordLayout.size],
  [RecordType.syscallErrors, SyscallErrorsRecordLayout.size],
  [RecordType.stackTrace, StackTraceRecordLayout.size],
  [RecordType.offcpuStack, OffCpuStackRecordLayout.size],
  [RecordType.stacksReset, StacksResetRecordLayout.size],
  [RecordType.tcpCount, TcpCountRecordLayout.size],
  [RecordType.tcpConnectHist, TcpConnectHistRecordLayout.size],
  [RecordType.tcpConnection, TcpConnectionRecordLayout.size],
  [RecordType.goHist, GoHistRecordLayout.size],
  [RecordType.goCounts, GoCountsRecordLayout.size],
  [RecordType.goParkStack, GoParkStackRecordLayout.size],
  [RecordType.goStackTrace, StackTraceRecordLayout.size],
  [RecordType.goStacksReset, StacksResetRecordLayout.size],
  [RecordType.cpuStack, CpuStackRecordLayout.size],
  [RecordType.cpuStackTrace, StackTraceRecordLayout.size],
  [RecordType.cpuStacksReset, StacksResetRecordLayout.size],
  [RecordType.memorySample, MemorySampleRecordLayout.size],
  [RecordType.oomVictim, OomVictimRecordLayout.size],
]);

const processEventKinds = new Map(Object.entries(ProcessEventKind).map(([name, code]) => [code as number, name]));

/**
 * Turns the loader's stdout byte stream into records. Records are in the host's
 * byte order, which is little endian on every architecture the agent supports.
 */
export class RecordDecoder {
  /** Records of types this decoder does not know, skipped by their header size. */
  skippedRecords = 0;
  private pending: Buffer = EMPTY;

  /** Bytes of an incomplete record waiting for the next chunk. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): LoaderRecord[] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const records: LoaderRecord[] = [];
    let offset = 0;
    while (buf.length - offset >= RecordHeaderLayout.size) {
      const type = buf.readUInt16LE(offset + RecordHeaderLayout.type);
      const version = buf.readUInt16LE(offset + RecordHeaderLayout.version);
      const size = buf.readUInt32LE(offset + RecordHeaderLayout.recordSize);
      if (version !== RECORD_ABI_VERSION) {
        throw new Error(
          `loader record at stream offset ${offset} has ABI version ${version}, expected ${RECORD_ABI_VERSION}: loader and agent do not match or the stream is corrupt`,
        );
      }
      const expected = knownSizes.get(type);
      if (size < RecordHeaderLayout.size || size > MAX_RECORD_SIZE || (expected !== undefined && size !== expected)) {
        throw new Error(
          `loader record of type ${type} declares size ${size} (expected ${expected ?? `${RecordHeaderLayout.size}..${MAX_RECORD_SIZE}`}): the stream is corrupt`,
        );
      }
      if (buf.length - offset < size) break;
      const record = decodeRecord(type, buf.subarray(offset, offset + size));
      if (record) records.push(record);
      else this.skippedRecords++;
      offset += size;
    }
    // Copy the tail so a small remainder does not pin the whole chunk.
    this.pending = offset === buf.length ? EMPTY : Buffer.from(buf.subarray(offset));
    return records;
  }
}

function decodeRecord(type: number, r: Buffer): LoaderRecord | undefined {
  switch (type) {
    case RecordType.hello: {
      const L = HelloRecordLayout;
      return {
        type: 'hello',
        loaderPid: r.readUInt32LE(L.loaderPid),
        intervalMs: r.readUInt32LE(L.intervalMs),
        monotonicNs: r.readBigUInt64LE(L.monotonicNs),
        realtimeNs: r.readBigUInt64LE(L.realtimeNs),
        slowThresholdNs: r.readBigUInt64LE(L.slowThresholdNs),
        maxHistEntries: r.readUInt32LE(L.maxHistEntries),
        signals: r.readUInt32LE(L.signals),
      };
    }
    case RecordType.syscallHist: {
      const L = SyscallHistRecordLayout;
      return {
        type: 'syscall-hist',
        tgid: r.readUInt32LE(L.tgid),
        syscallNr: r.readUInt32LE(L.syscallNr),
        bucket: r.readUInt32LE(L.bucket),
        classKey: r.readUInt32LE(L.classKey),
        count: r.readBigUInt64LE(L.count),
        sumNs: r.readBigUInt64LE(L.sumNs),
        maxNs: r.readBigUInt64LE(L.maxNs),
      };
    }
    case RecordType.snapshotEnd:
      return decodeSnapshotEnd(r);
    case RecordType.slowSyscall:
      return decodeSlowSyscall(r);
    case RecordType.userStack:
      return decodeUserStack(r);
    case RecordType.offcpuHist:
      return decodeOffCpuHist(r);
    case RecordType.processEvent:
      return decodeProcessEvent(r);
    case RecordType.stackTrace:
      return { type: 'stack-trace', ...decodeStackTrace(r) };
    case RecordType.cpuStackTrace:
      return { type: 'cpu-stack-trace', ...decodeStackTrace(r) };
    case RecordType.cpuStack: {
      const L = CpuStackRecordLayout;
      return {
        type: 'cpu-stack',
        tgid: r.readUInt32LE(L.tgid),
        kernelStack: r.readInt32LE(L.kernelStack),
        userStack: r.readInt32LE(L.userStack),
        samples: r.readBigUInt64LE(L.samples),
      };
    }
    case RecordType.cpuStacksReset:
      return { type: 'cpu-stacks-reset' };
    case RecordType.offcpuStack: {
      const L = OffCpuStackRecordLayout;
      const state = OFFCPU_STATES[r.readUInt32LE(L.state)];
      if (state === undefined) return undefined;
      return {
        type: 'offcpu-stack',
        tgid: r.readUInt32LE(L.tgid),
        state,
        kernelStack: r.readInt32LE(L.kernelStack),
        userStack: r.readInt32LE(L.userStack),
        offCpuNs: r.readBigUInt64LE(L.offCpuNs),
        count: r.readBigUInt64LE(L.count),
      };
    }
    case RecordType.stacksReset:
      return { type: 'stacks-reset' };
    case RecordType.syscallErrors: {
      const L = SyscallErrorsRecordLayout;
      return {
        type: 'syscall-errors',
        tgid: r.readUInt32LE(L.tgid),
        syscallNr: r.readUInt32LE(L.syscallNr),
        errno: r.readUInt32LE(L.errno),
        count: r.readBigUInt64LE(L.count),
      };
    }
    case RecordType.memorySample:
      return decodeMemorySample(r);
    case RecordType.oomVictim:
      return decodeOomVictim(r);
    case RecordType.tcpCount:
      return decodeTcpCount(r);
    case RecordType.tcpConnectHist:
      return decodeTcpConnectHist(r);
    case RecordType.tcpConnection:
      return decodeTcpConnection(r);
    case RecordType.goHist:
      return decodeGoHist(r);
    case RecordType.goCounts: {
      const L = GoCountsRecordLayout;
      return {
        type: 'go-counts',
        tgid: r.readUInt32LE(L.tgid),
        created: r.readBigUInt64LE(L.created),
        exited: r.readBigUInt64LE(L.exited),
      };
    }
    case RecordType.goParkStack: {
      const L = GoParkStackRecordLayout;
      return {
        type: 'go-park-stack',
        tgid: r.readUInt32LE(L.tgid),
        reason: r.readUInt32LE(L.reason),
        userStack: r.readInt32LE(L.userStack),
        parkedNs: r.readBigUInt64LE(L.parkedNs),
        count: r.readBigUInt64LE(L.count),
      };
    }
    case RecordType.goStackTrace:
      return { type: 'go-stack-trace', ...decodeStackTrace(r) };
    case RecordType.goStacksReset:
      return { type: 'go-stacks-reset' };
    default:
      return undefined;
  }
}

/** A NUL-terminated C string in a fixed-size field. */
function stringAt(r: Buffer, offset: number, length: number): string {
  const field = r.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

const commAt = (r: Buffer, offset: number): string => stringAt(r, offset, TASK_COMM_LEN);

function decodeUserStack(r: Buffer): UserStackRecord {
  const L = UserStackRecordLayout;
  const depth = Math.min(r.readUInt32LE(L.depth), (L.leafReturn - L.ips) / 8);
  const ips: bigint[] = [];
  for (let i = 0; i < depth; i++) ips.push(r.readBigUInt64LE(L.ips + 8 * i));
  const leafReturn = r.readBigUInt64LE(L.leafReturn);
  return {
    type: 'user-stack',
    stackId: r.readUInt32LE(L.stackId),
    tgid: r.readUInt32LE(L.tgid),
    syscallNr: r.readUInt32LE(L.syscallNr),
    ips,
    ...(leafReturn !== 0n ? { leafReturn } : {}),
  };
}

/** A stack_trace_record's id and addresses (the offcpu and profile signals each send them). */
function decodeStackTrace(r: Buffer): { stackId: number; ips: bigint[] } {
  const L = StackTraceRecordLayout;
  const depth = Math.min(r.readUInt32LE(L.depth), (L.size - L.ips) / 8);
  const ips: bigint[] = [];
  for (let i = 0; i < depth; i++) ips.push(r.readBigUInt64LE(L.ips + 8 * i));
  return { stackId: r.readUInt32LE(L.stackId), ips };
}

function decodeOffCpuHist(r: Buffer): OffCpuHistRecord | undefined {
  const L = OffCpuHistRecordLayout;
  const state = OFFCPU_STATES[r.readUInt32LE(L.state)];
  if (state === undefined) return undefined;
  return {
    type: 'offcpu-hist',
    tgid: r.readUInt32LE(L.tgid),
    state,
    bucket: r.readUInt32LE(L.bucket),
    count: r.readBigUInt64LE(L.count),
    sumNs: r.readBigUInt64LE(L.sumNs),
    maxNs: r.readBigUInt64LE(L.maxNs),
  };
}

function decodeProcessEvent(r: Buffer): ProcessEventRecord | undefined {
  const L = ProcessEventRecordLayout;
  const kind = processEventKinds.get(r.readUInt32LE(L.kind));
  if (kind === undefined) return undefined;
  return {
    type: 'process-event',
    kind: kind as ProcessEventRecord['kind'],
    tgid: r.readUInt32LE(L.tgid),
    parentTgid: r.readUInt32LE(L.parentTgid),
    timeNs: r.readBigUInt64LE(L.timeNs),
    comm: commAt(r, L.comm),
    filename: stringAt(r, L.filename, PROCESS_FILENAME_LEN),
    argv: argvAt(r, L.args, Math.min(r.readUInt32LE(L.argsSize), PROCESS_ARGS_LEN)),
  };
}

/** NUL-separated arguments; the last one, cut at the field's end, stays as read. */
function argvAt(r: Buffer, offset: number, size: number): string[] {
  if (size === 0) return [];
  const argv = r.subarray(offset, offset + size).toString('utf8').split('\0');
  if (argv.at(-1) === '') argv.pop();
  return argv;
}

function decodeSnapshotEnd(r: Buffer): SnapshotEndRecord {
  const L = SnapshotEndRecordLayout;
  const drops = {} as Record<DropReason, bigint>;
  DROP_REASONS.forEach((reason, i) => {
    drops[reason] = r.readBigUInt64LE(L.drops + 8 * i);
  });
  return {
    type: 'snapshot-end',
    monotonicNs: r.readBigUInt64LE(L.monotonicNs),
    realtimeNs: r.readBigUInt64LE(L.realtimeNs),
    drops,
  };
}

function decodeSlowSyscall(r: Buffer): SlowSyscallRecord {
  const L = SlowSyscallRecordLayout;
  const args: bigint[] = [];
  for (let i = 0; i < SLOW_SYSCALL_ARGS; i++) args.push(r.readBigUInt64LE(L.args + 8 * i));
  return {
    type: 'slow-syscall',
    tgid: r.readUInt32LE(L.tgid),
    tid: r.readUInt32LE(L.tid),
    syscallNr: r.readUInt32LE(L.syscallNr),
    classKey: r.readUInt32LE(L.classKey),
    args,
    returnValue: r.readBigInt64LE(L.ret),
    startNs: r.readBigUInt64LE(L.startNs),
    durationNs: r.readBigUInt64LE(L.durationNs),
    runQueueNs: r.readBigUInt64LE(L.runQueueNs),
    stackId: r.readInt32LE(L.stackId),
    comm: commAt(r, L.comm),
  };
}

function decodeMemorySample(r: Buffer): MemorySampleRecord {
  const L = MemorySampleRecordLayout;
  return {
    type: 'memory-sample',
    tgid: r.readUInt32LE(L.tgid),
    slot: r.readBigUInt64LE(L.slot),
    faults: r.readBigUInt64LE(L.faults),
    mmapBytes: r.readBigUInt64LE(L.mmapBytes),
    munmapBytes: r.readBigUInt64LE(L.munmapBytes),
    brkBytes: r.readBigInt64LE(L.brkBytes),
    mmapCalls: r.readUInt32LE(L.mmapCalls),
    munmapCalls: r.readUInt32LE(L.munmapCalls),
    brkCalls: r.readUInt32LE(L.brkCalls),
  };
}

function decodeOomVictim(r: Buffer): OomVictimRecord {
  const L = OomVictimRecordLayout;
  return {
    type: 'oom-victim',
    tgid: r.readUInt32LE(L.tgid),
    triggerTgid: r.readUInt32LE(L.triggerTgid),
    timeNs: r.readBigUInt64LE(L.timeNs),
    totalVmKib: r.readBigUInt64LE(L.totalVmKib),
    anonRssKib: r.readBigUInt64LE(L.anonRssKib),
    fileRssKib: r.readBigUInt64LE(L.fileRssKib),
    shmemRssKib: r.readBigUInt64LE(L.shmemRssKib),
    pgtablesKib: r.readBigUInt64LE(L.pgtablesKib),
    uid: r.readUInt32LE(L.uid),
    oomScoreAdj: r.readInt16LE(L.oomScoreAdj),
    comm: commAt(r, L.comm),
  };
}

function decodeTcpCount(r: Buffer): TcpCountRecord | undefined {
  const L = TcpCountRecordLayout;
  const kind = TCP_COUNT_KINDS[r.readUInt32LE(L.kind)];
  if (kind === undefined) return undefined;
  return {
    type: 'tcp-count',
    tgid: r.readUInt32LE(L.tgid),
    kind,
    portClass: r.readUInt32LE(L.portClass),
    count: r.readBigUInt64LE(L.count),
  };
}

function decodeTcpConnectHist(r: Buffer): TcpConnectHistRecord {
  const L = TcpConnectHistRecordLayout;
  return {
    type: 'tcp-connect-hist',
    tgid: r.readUInt32LE(L.tgid),
    portClass: r.readUInt32LE(L.portClass),
    bucket: r.readUInt32LE(L.bucket),
    count: r.readBigUInt64LE(L.count),
    sumNs: r.readBigUInt64LE(L.sumNs),
    maxNs: r.readBigUInt64LE(L.maxNs),
  };
}

const AF_INET = 2;
const AF_INET6 = 10;

/** An address field of 16 bytes: IPv4 in the first 4, IPv6 in all, compressed as RFC 5952. */
function ipAt(r: Buffer, offset: number, family: 'ipv4' | 'ipv6'): string {
  if (family === 'ipv4') return [...r.subarray(offset, offset + 4)].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(r.readUInt16BE(offset + 2 * i).toString(16));
  // The longest run of at least two zero groups becomes '::'.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

function decodeTcpConnection(r: Buffer): TcpConnectionRecord | undefined {
  const L = TcpConnectionRecordLayout;
  const familyCode = r.readUInt16LE(L.family);
  if (familyCode !== AF_INET && familyCode !== AF_INET6) return undefined;
  const family = familyCode === AF_INET ? 'ipv4' : 'ipv6';
  return {
    type: 'tcp-connection',
    tgid: r.readUInt32LE(L.tgid),
    flags: r.readUInt32LE(L.flags),
    closeNs: r.readBigUInt64LE(L.closeNs),
    connectNs: r.readBigUInt64LE(L.connectNs),
    retransmits: r.readUInt32LE(L.retransmits),
    family,
    localPort: r.readUInt16LE(L.localPort),
    localAddress: ipAt(r, L.localAddr, family),
    peerPort: r.readUInt16LE(L.peerPort),
    peerAddress: ipAt(r, L.peerAddr, family),
    lastState: r.readUInt16LE(L.lastState),
    comm: commAt(r, L.comm),
  };
}

function decodeGoHist(r: Buffer): GoHistRecord | undefined {
  const L = GoHistRecordLayout;
  const kind = GO_HIST_KINDS[r.readUInt32LE(L.kind)];
  if (kind === undefined) return undefined;
  return {
    type: 'go-hist',
    tgid: r.readUInt32LE(L.tgid),
    kind,
    reason: r.readUInt32LE(L.reason),
    bucket: r.readUInt32LE(L.bucket),
    count: r.readBigUInt64LE(L.count),
    sumNs: r.readBigUInt64LE(L.sumNs),
    maxNs: r.readBigUInt64LE(L.maxNs),
  };
}
