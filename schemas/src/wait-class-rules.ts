// Which wait class a blocked syscall belongs to, decided from its symbolized
// user stack. The futex of a Go runtime thread with nothing to run and the
// futex of a goroutine waiting for a contended lock are the same syscall; only
// the frames above tell them apart.
//
// How a verdict is reached: the rules are tried IN ORDER, and the first rule
// whose syscalls include the call and one of whose patterns matches ANY frame
// decides. The order, not the frame's depth, settles a stack that two rules
// match. Neither "leaf-most frame wins" nor "root-most frame wins" is right:
//  - a JVM monitor enter parks through os::PlatformEvent::park and
//    pthread_cond_wait (both idle on their own); the ObjectMonitor frame above
//    them says it is a lock wait, so the monitor rule comes first;
//  - pthread_cond_wait re-takes its mutex after a wake-up through
//    __lll_lock_wait: that wait is lock contention, so glibc's mutex rule comes
//    before its condition-variable rule;
//  - the Go scheduler takes sched.lock inside findRunnable/stopm: runtime.lock2
//    under a scheduler frame is an M with no goroutine to run (no request waits
//    on it), so the scheduler idle rule comes before the runtime lock rule;
//  - libuv callbacks run under uv__io_poll and may block in uv_mutex_lock:
//    the poll rule only applies to epoll syscalls, so such a futex is a lock;
//  - Rust's std and parking_lot take a contended mutex in their own futex
//    loop, and a condition variable re-takes its mutex after a wake-up there:
//    their mutex rules come before their condition-variable and park rules.
// When no rule matches, the syscall-name default of wait-class.ts decides.

import { waitClassOfSyscall, type WaitClass } from './wait-class.js';

/**
 * How a rule recognises a frame's symbol. C++ and Rust symbols are matched
 * raw (mangled), by substrings in order, e.g. ['ObjectMonitor', 'EnterI']
 * matches _ZN13ObjectMonitor6EnterIEP10JavaThread. A Rust path's last two
 * segments are written the same way in both of Rust's manglings (legacy
 * `_ZN...5Mutex14lock_contended17h<hash>E`, v0 `_R...NtB2_5Mutex14lock_contended`,
 * which the prebuilt std uses), so ['5Mutex14lock_contended'] matches either.
 */
export type FramePattern =
  | { readonly exact: string }
  | { readonly prefix: string }
  | { readonly containsInOrder: readonly string[] };

export interface WaitClassRule {
  /** Stable short id, stored with each verdict; never reuse an id for another meaning. */
  readonly id: string;
  readonly syscalls: readonly string[];
  readonly framePatterns: readonly FramePattern[];
  readonly waitClass: WaitClass;
  /** One line shown to users as "why this class". */
  readonly reason: string;
}

export interface WaitClassVerdict {
  waitClass: WaitClass;
  ruleId: string;
}

const FUTEX = ['futex'] as const;
const EPOLL = ['epoll_wait', 'epoll_pwait', 'epoll_pwait2'] as const;
const exact = (...names: string[]): FramePattern[] => names.map((name) => ({ exact: name }));

export const WAIT_CLASS_RULES: readonly WaitClassRule[] = [
  {
    id: 'go-stop-the-world',
    syscalls: FUTEX,
    framePatterns: exact('runtime.stopTheWorldWithSema', 'runtime.forEachPInternal', 'runtime.forEachP'),
    waitClass: 'lock',
    reason: 'Go runtime waits for every P to stop (stop-the-world or forEachP): the whole program is paused as under one lock',
  },
  {
    id: 'go-runtime-rwmutex',
    syscalls: FUTEX,
    framePatterns: exact('runtime.(*rwmutex).rlock', 'runtime.(*rwmutex).lock'),
    waitClass: 'lock',
    reason: 'Go runtime read-write mutex contended (it parks on a note, so it must be told apart from idle note sleeps)',
  },
  {
    id: 'go-scheduler-idle',
    syscalls: FUTEX,
    framePatterns: exact(
      'runtime.findRunnable',
      'runtime.findrunnable',
      'runtime.stopm',
      'runtime.mPark',
      'runtime.stoplockedm',
      'runtime.sysmon',
      'runtime.templateThread',
      'runtime.notesleep',
      'runtime.notetsleep',
      'runtime.notetsleepg',
      'runtime.notetsleep_internal',
    ),
    // A parked GC mark worker reaches futex through schedule -> findRunnable -> stopm. Frame-pointer
    // stacks hold no inlined frames: mPark is inlined into stopm in Go 1.26 and is kept for builds where it is not.
    waitClass: 'idle',
    reason: 'Go runtime thread parked with no goroutine to run (scheduler, sysmon or template thread sleeping), by design',
  },
  {
    id: 'go-runtime-lock',
    syscalls: FUTEX,
    framePatterns: exact('runtime.lock2', 'runtime.lockWithRank', 'runtime.lock'),
    waitClass: 'lock',
    reason: 'Go runtime mutex contended (channel, timer or allocator lock) on a running goroutine',
  },
  {
    id: 'jvm-monitor-enter',
    syscalls: FUTEX,
    framePatterns: [
      { containsInOrder: ['ObjectMonitor', 'EnterI'] },
      { containsInOrder: ['ObjectMonitor', 'enter_internal'] },
      { containsInOrder: ['ObjectMonitor', '5enterE'] },
    ],
    waitClass: 'lock',
    reason: 'JVM thread blocked entering a contended synchronized monitor (ObjectMonitor::enter)',
  },
  {
    id: 'libuv-mutex',
    syscalls: FUTEX,
    framePatterns: exact('uv_mutex_lock', 'uv_rwlock_rdlock', 'uv_rwlock_wrlock'),
    waitClass: 'lock',
    reason: 'libuv (Node.js) mutex contended',
  },
  {
    id: 'glibc-mutex',
    syscalls: FUTEX,
    framePatterns: exact(
      '__lll_lock_wait',
      '__lll_lock_wait_private',
      'pthread_mutex_lock',
      '__pthread_mutex_lock',
      'pthread_mutex_timedlock',
      'pthread_mutex_clocklock',
      '__pthread_mutex_cond_lock',
    ),
    waitClass: 'lock',
    reason: 'pthread mutex contended (glibc lock wait)',
  },
  {
    id: 'glibc-rwlock',
    syscalls: FUTEX,
    framePatterns: [{ prefix: 'pthread_rwlock_' }, { prefix: '__pthread_rwlock_' }],
    waitClass: 'lock',
    reason: 'pthread read-write lock contended',
  },
  {
    id: 'rust-mutex',
    syscalls: FUTEX,
    framePatterns: [
      { containsInOrder: ['5Mutex14lock_contended'] },
      { containsInOrder: ['6RwLock14read_contended'] },
      { containsInOrder: ['6RwLock15write_contended'] },
    ],
    waitClass: 'lock',
    reason: "Rust std::sync Mutex or RwLock contended (std's futex lock, lock_contended)",
  },
  {
    id: 'rust-parking-lot-lock',
    syscalls: FUTEX,
    framePatterns: [
      { containsInOrder: ['8RawMutex9lock_slow'] },
      { containsInOrder: ['9RawRwLock', '_slow'] },
      { containsInOrder: ['10RawFairMutex', '_slow'] },
    ],
    waitClass: 'lock',
    reason: 'Rust parking_lot Mutex or RwLock contended (its slow lock path)',
  },
  {
    id: 'jvm-park',
    syscalls: FUTEX,
    framePatterns: [
      { exact: 'Unsafe_Park' },
      { containsInOrder: ['6Parker', '4parkE'] },
      { containsInOrder: ['PlatformEvent', '4parkE'] },
    ],
    waitClass: 'idle',
    reason: 'JVM thread parked (LockSupport.park, Object.wait): usually an idle pool thread; a java.util.concurrent lock wait parks the same way and is counted here too',
  },
  {
    id: 'libuv-cond-wait',
    syscalls: FUTEX,
    framePatterns: exact('uv_cond_wait', 'uv_cond_timedwait', 'uv_sem_wait'),
    waitClass: 'idle',
    reason: 'libuv (Node.js) worker thread waiting for work',
  },
  {
    id: 'glibc-cond-wait',
    syscalls: FUTEX,
    framePatterns: exact(
      'pthread_cond_wait',
      'pthread_cond_timedwait',
      'pthread_cond_clockwait',
      '__pthread_cond_wait',
      '__pthread_cond_timedwait',
    ),
    waitClass: 'idle',
    reason: 'thread waiting on a condition variable, usually a pool thread waiting for work; a JVM monitor wait whose JVM frames were lost (Debian glibc has no frame pointers) also lands here',
  },
  {
    id: 'rust-condvar-wait',
    syscalls: FUTEX,
    framePatterns: [
      { containsInOrder: ['7Condvar4wait'] },
      { containsInOrder: ['7Condvar12wait_timeout'] },
      { containsInOrder: ['7Condvar21wait_optional_timeout'] },
      { containsInOrder: ['11parking_lot', '7Condvar'] },
    ],
    waitClass: 'idle',
    reason: 'Rust thread waiting on a condition variable (std or parking_lot Condvar), usually a pool worker waiting for work (tokio parks its idle workers this way)',
  },
  {
    id: 'rust-thread-park',
    syscalls: FUTEX,
    framePatterns: [
      { containsInOrder: ['6Thread4park'] },
      { containsInOrder: ['6Thread12park_timeout'] },
      { containsInOrder: ['6Parker4park'] },
      { containsInOrder: ['6Parker12park_timeout'] },
      { containsInOrder: ['9functions4park'] },
      { containsInOrder: ['9functions12park_timeout'] },
    ],
    waitClass: 'idle',
    reason: "Rust thread parked (std::thread::park): a channel receive (std::sync::mpsc, crossbeam) or a pool waiting for work",
  },
  {
    id: 'glibc-sem-wait',
    syscalls: FUTEX,
    framePatterns: exact('sem_wait', 'sem_timedwait', 'sem_clockwait'),
    waitClass: 'idle',
    reason: 'thread waiting on a semaphore for work',
  },
  {
    id: 'glibc-thread-join',
    syscalls: FUTEX,
    framePatterns: exact('pthread_join', 'pthread_timedjoin_np', 'pthread_clockjoin_np'),
    waitClass: 'idle',
    reason: 'thread waiting for another thread to exit (pthread_join)',
  },
  {
    id: 'glibc-futex-wait',
    syscalls: FUTEX,
    framePatterns: exact('__futex_abstimed_wait_common', '__futex_abstimed_wait_common64', '__futex_abstimed_wait64'),
    waitClass: 'idle',
    reason: "glibc's shared futex wait under a condition variable, semaphore or join, whose caller was lost (Debian glibc has no frame pointers)",
  },
  {
    id: 'libuv-io-poll',
    syscalls: EPOLL,
    framePatterns: exact('uv__io_poll'),
    waitClass: 'idle',
    reason: 'Node.js event loop waiting for I/O events, by design',
  },
];

const DEFAULT_RULE_SUFFIX = '-default';

function frameMatches(pattern: FramePattern, symbol: string): boolean {
  if ('exact' in pattern) return symbol === pattern.exact;
  if ('prefix' in pattern) return symbol.startsWith(pattern.prefix);
  let from = 0;
  for (const part of pattern.containsInOrder) {
    const at = symbol.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

function ruleMatches(rule: WaitClassRule, syscallName: string, frames: readonly (string | undefined)[]): boolean {
  if (!rule.syscalls.includes(syscallName)) return false;
  return frames.some(
    (symbol) => symbol !== undefined && rule.framePatterns.some((pattern) => frameMatches(pattern, symbol)),
  );
}

/**
 * The wait class of one blocked call. `frames` are the symbolized user frames,
 * leaf first; unresolved frames are undefined. The first matching rule of
 * WAIT_CLASS_RULES decides; otherwise the syscall-name default, whose rule id
 * is `<syscall>-default` (e.g. futex-default).
 */
export function classifyByStack(syscallName: string, frames: readonly (string | undefined)[]): WaitClassVerdict {
  const rule = WAIT_CLASS_RULES.find((candidate) => ruleMatches(candidate, syscallName, frames));
  if (rule) return { waitClass: rule.waitClass, ruleId: rule.id };
  return { waitClass: waitClassOfSyscall(syscallName), ruleId: `${syscallName}${DEFAULT_RULE_SUFFIX}` };
}

/** The "why this class" line for a rule id from a verdict, including the syscall-name defaults. */
export function waitClassRuleReason(ruleId: string): string | undefined {
  const rule = WAIT_CLASS_RULES.find((candidate) => candidate.id === ruleId);
  if (rule) return rule.reason;
  if (!ruleId.endsWith(DEFAULT_RULE_SUFFIX)) return undefined;
  const syscallName = ruleId.slice(0, -DEFAULT_RULE_SUFFIX.length);
  return `no stack rule matched: ${syscallName} is ${waitClassOfSyscall(syscallName)} by its name alone`;
}
