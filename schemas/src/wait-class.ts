// Wait classes: not all blocking is equal. A Go or JVM service's idle threads
// park in futex/epoll by design; fleet queries rank the non-idle classes.
// The syscall's name gives each call only a default class: the kernel decides
// from context where the name cannot tell (wait-class-context.ts) — the fd's
// target for read/write/recv/send, the user stack for futex, classed by
// wait-class-rules.ts — and this table is the fallback.

export const WAIT_CLASSES = ['idle', 'lock', 'disk', 'network', 'ipc', 'run-queue', 'other'] as const;
export type WaitClass = (typeof WAIT_CLASSES)[number];

const waitClassBySyscall: ReadonlyMap<string, WaitClass> = new Map<string, WaitClass>([
  ...(['epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll', 'select', 'pselect6', 'nanosleep',
    'clock_nanosleep', 'pause', 'wait4', 'waitid', 'rt_sigsuspend', 'rt_sigtimedwait', 'sched_yield',
    'io_getevents', 'io_pgetevents', 'io_uring_enter',
    // A server waiting for its next connection is idle, not blocked on the network.
    'accept', 'accept4'] as const).map((name) => [name, 'idle'] as const),
  ...(['futex', 'futex_waitv', 'flock', 'semop', 'semtimedop'] as const).map((name) => [name, 'lock'] as const),
  ...(['fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'msync', 'pread64', 'pwrite64', 'preadv',
    'pwritev', 'preadv2', 'pwritev2', 'openat', 'openat2', 'open', 'fallocate', 'ftruncate', 'truncate', 'unlink',
    'unlinkat', 'rename', 'renameat', 'renameat2', 'getdents64'] as const).map((name) => [name, 'disk'] as const),
  ...(['connect', 'recvfrom', 'recvmsg', 'recvmmsg', 'sendto', 'sendmsg', 'sendmmsg',
    'shutdown'] as const).map((name) => [name, 'network'] as const),
  // Pipes, eventfds and ttys block in read/write, which only the fd target can
  // tell apart; message queues are ipc by name.
  ...(['msgrcv', 'msgsnd', 'mq_timedreceive', 'mq_timedsend'] as const).map((name) => [name, 'ipc'] as const),
]);

/** The class a syscall gets from its name alone, when no stack or fd target decides. */
export function waitClassOfSyscall(syscallName: string): WaitClass {
  return waitClassBySyscall.get(syscallName) ?? 'other';
}

export function isWaitClass(value: string): value is WaitClass {
  return (WAIT_CLASSES as readonly string[]).includes(value);
}
