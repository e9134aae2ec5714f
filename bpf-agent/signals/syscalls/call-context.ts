import { readlinkSync } from 'node:fs';
import { FD_CLASSIFIED_SYSCALLS, SpanAttr } from '@stallscope/schemas';
import type { Attributes } from '@opentelemetry/api';
import { readSocketTable, type SocketEndpoints } from './socket-table.js';

/** Calls whose first argument is an fd worth resolving, beyond the fd-classed ones. */
const FD_FIRST_SYSCALLS = new Set([
  ...FD_CLASSIFIED_SYSCALLS,
  'fsync', 'fdatasync', 'sync_file_range', 'flock', 'ftruncate', 'fallocate', 'connect', 'accept', 'accept4',
  'ioctl', 'getdents64', 'shutdown',
]);

const FUTEX_COMMANDS = [
  'FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_FD', 'FUTEX_REQUEUE', 'FUTEX_CMP_REQUEUE', 'FUTEX_WAKE_OP', 'FUTEX_LOCK_PI',
  'FUTEX_UNLOCK_PI', 'FUTEX_TRYLOCK_PI', 'FUTEX_WAIT_BITSET', 'FUTEX_WAKE_BITSET', 'FUTEX_WAIT_REQUEUE_PI',
  'FUTEX_CMP_REQUEUE_PI', 'FUTEX_LOCK_PI2',
];
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;

/** open(2) flags (asm-generic values, as on x86_64 and arm64) that say how a file is used. */
const OPEN_FLAGS: [number, string][] = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'], [0o4000, 'O_NONBLOCK'],
  [0o10000, 'O_DSYNC'], [0o4010000, 'O_SYNC'], [0o40000, 'O_DIRECT'], [0o200000, 'O_DIRECTORY'], [0o2000000, 'O_CLOEXEC'],
];
const ACCESS_MODES = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];

/** Where the timeout argument of a waiting call is, and whether it is in milliseconds. */
const TIMEOUT_MS_ARG: Record<string, number> = { epoll_wait: 3, epoll_pwait: 3, poll: 2 };

/** A 64-bit register as the C int it held. */
const asInt32 = (value: bigint | undefined): number => Number(BigInt.asIntN(32, value ?? 0n));

export function openFlagNames(flags: number): string[] {
  const names = [ACCESS_MODES[flags & 3] ?? 'O_ACCMODE'];
  for (const [bits, name] of OPEN_FLAGS) if ((flags & bits) === bits) names.push(name);
  // O_SYNC includes O_DSYNC's bit: name only the stronger one.
  return names.includes('O_SYNC') ? names.filter((name) => name !== 'O_DSYNC') : names;
}

export function futexOpName(op: number): string {
  const command = FUTEX_COMMANDS[op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)] ?? `FUTEX_OP_${op}`;
  return `${command}${op & FUTEX_PRIVATE_FLAG ? '_PRIVATE' : ''}`;
}

function socketAttributes(endpoints: SocketEndpoints): Attributes {
  return {
    [SpanAttr.networkTransport]: endpoints.transport,
    ...(endpoints.localAddress !== undefined ? { [SpanAttr.networkLocalAddress]: endpoints.localAddress } : {}),
    ...(endpoints.localPort !== undefined ? { [SpanAttr.networkLocalPort]: endpoints.localPort } : {}),
    ...(endpoints.peerAddress !== undefined ? { [SpanAttr.networkPeerAddress]: endpoints.peerAddress } : {}),
    ...(endpoints.peerPort !== undefined ? { [SpanAttr.networkPeerPort]: endpoints.peerPort } : {}),
  };
}

/**
 * What a slow call was about, from its arguments and the process's /proc:
 * the fd's target (file path, socket endpoints, pipe, eventfd...), open flags,
 * the futex operation, a wait's timeout. Resolved when the span is made (the
 * call ended milliseconds ago; an fd closed since then just goes unnamed).
 * Socket tables are read once per process per interval (cache cleared by the caller).
 */
export class CallContext {
  private readonly socketTables = new Map<number, Map<number, SocketEndpoints>>();

  constructor(private readonly procRoot = '/proc') {}

  attributes(syscallName: string, args: readonly bigint[], tgid: number): Attributes {
    const attributes: Attributes = {};
    if (FD_FIRST_SYSCALLS.has(syscallName)) Object.assign(attributes, this.fdTarget(tgid, asInt32(args[0])));
    if (syscallName === 'openat') attributes[SpanAttr.openFlags] = openFlagNames(asInt32(args[2]));
    if (syscallName === 'open') attributes[SpanAttr.openFlags] = openFlagNames(asInt32(args[1]));
    if (syscallName === 'futex') {
      attributes[SpanAttr.futexOp] = futexOpName(asInt32(args[1]));
      attributes[SpanAttr.futexTimed] = (args[3] ?? 0n) !== 0n;
    }
    const timeoutArg = TIMEOUT_MS_ARG[syscallName];
    if (timeoutArg !== undefined) attributes[SpanAttr.waitTimeoutMs] = asInt32(args[timeoutArg]);
    return attributes;
  }

  /** Forget the socket tables read during an interval. */
  endInterval(): void {
    this.socketTables.clear();
  }

  private fdTarget(tgid: number, fd: number): Attributes {
    if (fd < 0) return {};
    let target: string;
    try {
      target = readlinkSync(`${this.procRoot}/${tgid}/fd/${fd}`);
    } catch {
      return {};
    }
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket) {
      const table = this.socketTables.get(tgid) ?? readSocketTable(tgid, this.procRoot);
      this.socketTables.set(tgid, table);
      const endpoints = table.get(Number(socket[1]));
      return { [SpanAttr.fdTarget]: 'socket', ...(endpoints ? socketAttributes(endpoints) : {}) };
    }
    if (/^pipe:\[\d+\]$/.test(target)) return { [SpanAttr.fdTarget]: 'pipe' };
    const anon = /^anon_inode:\[?([^\]]+)\]?$/.exec(target);
    if (anon) return { [SpanAttr.fdTarget]: anon[1]! };
    if (target.startsWith('/')) return { [SpanAttr.fdTarget]: 'file', [SpanAttr.filePath]: target };
    return { [SpanAttr.fdTarget]: target };
  }
}
