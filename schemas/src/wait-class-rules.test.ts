import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WAIT_CLASS_RULES, classifyByStack, waitClassRuleReason } from './wait-class-rules.js';
import { isWaitClass } from './wait-class.js';

// Stacks are leaf first, as the kernel's frame-pointer unwinder returns them;
// undefined is a frame that did not symbolize.
const stacks: { name: string; syscall: string; frames: (string | undefined)[]; waitClass: string; ruleId: string }[] = [
  {
    name: 'Go M parked with nothing to run',
    syscall: 'futex',
    frames: ['runtime.futex', 'runtime.futexsleep', 'runtime.notesleep', 'runtime.mPark', 'runtime.stopm',
      'runtime.findRunnable', 'runtime.schedule', 'runtime.park_m', 'runtime.mcall'],
    waitClass: 'idle',
    ruleId: 'go-scheduler-idle',
  },
  {
    name: 'Go channel lock contended on a goroutine',
    syscall: 'futex',
    frames: ['runtime.futex', 'runtime.futexsleep', 'runtime.semasleep', 'runtime.lock2', 'runtime.lockWithRank',
      'runtime.lock', 'runtime.chansend', 'runtime.chansend1', 'main.handle', 'runtime.goexit'],
    waitClass: 'lock',
    ruleId: 'go-runtime-lock',
  },
  {
    name: 'Go sched.lock taken by an M looking for work is idle, not lock',
    syscall: 'futex',
    frames: ['runtime.futex', 'runtime.futexsleep', 'runtime.semasleep', 'runtime.lock2', 'runtime.lockWithRank',
      'runtime.lock', 'runtime.findRunnable', 'runtime.schedule'],
    waitClass: 'idle',
    ruleId: 'go-scheduler-idle',
  },
  {
    name: 'Go runtime rwmutex parks on a note but is a lock',
    syscall: 'futex',
    frames: ['runtime.futex', 'runtime.futexsleep', 'runtime.notesleep', 'runtime.(*rwmutex).rlock', 'runtime.newm'],
    waitClass: 'lock',
    ruleId: 'go-runtime-rwmutex',
  },
  {
    name: 'glibc mutex contended, leaf resolved through .symtab',
    syscall: 'futex',
    frames: ['__lll_lock_wait', 'pthread_mutex_lock', 'worker_loop', 'start_thread'],
    waitClass: 'lock',
    ruleId: 'glibc-mutex',
  },
  {
    name: 'glibc condition wait of a pool thread',
    syscall: 'futex',
    frames: ['__futex_abstimed_wait_common', '__pthread_cond_wait_common', 'pthread_cond_wait', 'pool_worker'],
    waitClass: 'idle',
    ruleId: 'glibc-cond-wait',
  },
  {
    name: 'mutex re-taken after a condition wake-up is lock',
    syscall: 'futex',
    frames: ['__lll_lock_wait', '__pthread_mutex_cond_lock', 'pthread_cond_wait', 'pool_worker'],
    waitClass: 'lock',
    ruleId: 'glibc-mutex',
  },
  {
    name: 'JVM monitor enter: libc leaf unresolved, JVM frames from libjvm .symtab',
    syscall: 'futex',
    frames: [undefined, '_ZN2os13PlatformEvent4parkEv', '_ZN13ObjectMonitor6EnterIEP10JavaThread',
      '_ZN13ObjectMonitor5enterEP10JavaThread', undefined],
    waitClass: 'lock',
    ruleId: 'jvm-monitor-enter',
  },
  {
    name: 'JVM LockSupport.park, leaf only',
    syscall: 'futex',
    frames: [undefined, 'Unsafe_Park'],
    waitClass: 'idle',
    ruleId: 'jvm-park',
  },
  {
    name: 'Node.js event loop in epoll',
    syscall: 'epoll_wait',
    frames: ['epoll_wait', 'uv__io_poll', 'uv_run', 'node::SpinEventLoop'],
    waitClass: 'idle',
    ruleId: 'libuv-io-poll',
  },
  {
    name: 'Node.js mutex taken in a callback under the poll loop is lock',
    syscall: 'futex',
    frames: [undefined, 'pthread_mutex_lock', 'uv_mutex_lock', 'uv__work_done', 'uv__io_poll', 'uv_run'],
    waitClass: 'lock',
    ruleId: 'libuv-mutex',
  },
  {
    // Symbols as a Rust 1.95 release build has them: the prebuilt std in v0 mangling, the program's own code in legacy.
    name: 'Rust channel receive parks the thread: idle',
    syscall: 'futex',
    frames: ['syscall', '_RNvMs_NtNtCsjrHSEGnQ3l9_3std6thread6threadNtB4_6Thread12park_timeout',
      '_ZN3std4sync4mpmc4list16Channel$LT$T$GT$4recv28_$u7b$$u7b$closure$u7d$$u7d$17h8e71e59e215c1cc9E',
      '_ZN3std4sync4mpmc17Receiver$LT$T$GT$12recv_timeout17h2d0c7af5ef0bb52cE', '_ZN9rustwaits4main17h0123456789abcdefE'],
    waitClass: 'idle',
    ruleId: 'rust-thread-park',
  },
  {
    name: 'Rust std Mutex contended: lock',
    syscall: 'futex',
    frames: ['syscall', '_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std3sys4sync5mutex5futexNtB2_5Mutex14lock_contended',
      '_ZN9rustwaits6worker17h0123456789abcdefE'],
    waitClass: 'lock',
    ruleId: 'rust-mutex',
  },
  {
    name: 'Rust Condvar wait of a pool worker: idle',
    syscall: 'futex',
    frames: ['syscall', '_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std3sys4sync7condvar5futexNtB2_7Condvar21wait_optional_timeout',
      '_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std3sys4sync7condvar5futexNtB2_7Condvar12wait_timeout',
      '_ZN5tokio7runtime4park5Inner13park_condvar17h0123456789abcdefE'],
    waitClass: 'idle',
    ruleId: 'rust-condvar-wait',
  },
  {
    name: 'Rust mutex re-taken after a Condvar wake-up is lock',
    syscall: 'futex',
    frames: ['syscall', '_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std3sys4sync5mutex5futexNtB2_5Mutex14lock_contended',
      '_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std3sys4sync7condvar5futexNtB2_7Condvar4wait', '_ZN9rustwaits4pool17h0123456789abcdefE'],
    waitClass: 'lock',
    ruleId: 'rust-mutex',
  },
  {
    name: 'Rust parking_lot Mutex contended parks in parking_lot_core: lock',
    syscall: 'futex',
    frames: ['syscall', '_ZN15parking_lot_core11parking_lot4park17h0123456789abcdefE',
      '_ZN11parking_lot9raw_mutex8RawMutex9lock_slow17h0123456789abcdefE', '_ZN3app6handle17h0123456789abcdefE'],
    waitClass: 'lock',
    ruleId: 'rust-parking-lot-lock',
  },
  {
    name: 'Rust parking_lot Condvar wait: idle',
    syscall: 'futex',
    frames: ['syscall', '_ZN15parking_lot_core11parking_lot4park17h0123456789abcdefE',
      '_ZN11parking_lot7condvar7Condvar19wait_until_internal17h0123456789abcdefE'],
    waitClass: 'idle',
    ruleId: 'rust-condvar-wait',
  },
  {
    name: 'futex with no frame resolved falls back to the syscall default',
    syscall: 'futex',
    frames: [undefined, undefined],
    waitClass: 'lock',
    ruleId: 'futex-default',
  },
  {
    name: 'a frame rule does not apply to another syscall',
    syscall: 'flock',
    frames: ['flock', 'runtime.findRunnable'],
    waitClass: 'lock',
    ruleId: 'flock-default',
  },
];

for (const stack of stacks) {
  test(`wait class by stack: ${stack.name}`, () => {
    assert.deepEqual(classifyByStack(stack.syscall, stack.frames), { waitClass: stack.waitClass, ruleId: stack.ruleId });
  });
}

test('every rule has a unique id, a valid class, syscalls, patterns and a one-line reason', () => {
  const ids = WAIT_CLASS_RULES.map((rule) => rule.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const rule of WAIT_CLASS_RULES) {
    assert.ok(isWaitClass(rule.waitClass), rule.id);
    assert.ok(!rule.id.endsWith('-default'), `${rule.id} would shadow a syscall-name default`);
    assert.ok(rule.syscalls.length > 0 && rule.framePatterns.length > 0, rule.id);
    assert.ok(rule.reason.length > 0 && !rule.reason.includes('\n'), rule.id);
  }
});

test('the reason of a verdict can be looked up by its rule id', () => {
  assert.equal(waitClassRuleReason('jvm-park'), WAIT_CLASS_RULES.find((rule) => rule.id === 'jvm-park')?.reason);
  assert.equal(waitClassRuleReason('futex-default'), 'no stack rule matched: futex is lock by its name alone');
  assert.equal(waitClassRuleReason('no-such-rule'), undefined);
});
