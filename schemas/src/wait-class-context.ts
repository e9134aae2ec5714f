// How the kernel decides a call's wait class from its context, and how the
// decision travels in a histogram key's class_key (loader/records.h): the class
// in the low byte, the rule that decided it above. Stack rules are the agent's
// (wait-class-rules.ts); the fd and syscall rules are decided in the kernel.
import {
  CLASS_KEY_PENDING_STACK,
  CLASS_RULE_SHIFT,
  CLASSIFY_BY_FD,
  CLASSIFY_BY_OPENED_FD,
  CLASSIFY_BY_STACK,
  FD_KINDS,
  FD_RULE_BASE,
  PROCESS_EXIT_RULE,
  STACK_RULE_BASE,
  WAIT_CLASS_CODES,
  type FdKind,
} from './loader-records.js';
import { waitClassOfSyscall, type WaitClass } from './wait-class.js';

/** Calls whose first argument is an fd: the kind of its target decides. */
export const FD_CLASSIFIED_SYSCALLS: readonly string[] = [
  'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
  'recvfrom', 'recvmsg', 'recvmmsg', 'sendto', 'sendmsg', 'sendmmsg', 'splice', 'tee', 'sendfile',
];

/**
 * Calls that return a new fd: the kind of its target decides. Opening a FIFO
 * waits for its other end (ipc), a tty or device may wait too; a regular file
 * stays disk.
 */
export const OPENED_FD_CLASSIFIED_SYSCALLS: readonly string[] = ['open', 'openat', 'openat2'];

/** Calls whose caller decides what the wait means: the user stack decides. */
export const STACK_CLASSIFIED_SYSCALLS: readonly string[] = ['futex', 'futex_waitv'];

export interface ClassRule {
  id: string;
  waitClass: WaitClass;
  /** Why a call is in this class, as shown to users. */
  reason: string;
}

export const SYSCALL_NAME_RULE_ID = 'syscall';

/** A stack-classed wait ended by its own process's exit (decided in the kernel). */
export const PROCESS_EXIT_RULE_ID = 'process-exit';

/** The class an fd's target kind gives (the kernel's fd_kind_class). */
export const FD_KIND_RULES: Readonly<Record<FdKind, ClassRule>> = {
  socket: { id: 'fd-socket', waitClass: 'network', reason: 'the fd is a socket: waiting on a peer' },
  file: { id: 'fd-file', waitClass: 'disk', reason: 'the fd is a regular file or block device' },
  pipe: { id: 'fd-pipe', waitClass: 'ipc', reason: 'the fd is a pipe: waiting on another process or thread' },
  char: { id: 'fd-char', waitClass: 'ipc', reason: 'the fd is a character device (tty, /dev/...)' },
  anon: { id: 'fd-anon', waitClass: 'ipc', reason: 'the fd is an anonymous inode (eventfd, timerfd, signalfd)' },
  other: { id: 'fd-other', waitClass: 'other', reason: 'the fd is a directory or was closed before the call returned' },
};

const codeOfClass = (waitClass: WaitClass): number => (WAIT_CLASS_CODES as readonly string[]).indexOf(waitClass);

/** The per-syscall byte the kernel reads (syscall_classify[]): default class | what decides instead. */
export function kernelClassifyCode(syscallName: string): number {
  const code = codeOfClass(waitClassOfSyscall(syscallName));
  if (FD_CLASSIFIED_SYSCALLS.includes(syscallName)) return code | CLASSIFY_BY_FD;
  if (OPENED_FD_CLASSIFIED_SYSCALLS.includes(syscallName)) return code | CLASSIFY_BY_OPENED_FD;
  if (STACK_CLASSIFIED_SYSCALLS.includes(syscallName)) return code | CLASSIFY_BY_STACK;
  return code;
}

/** The class_key of a stack verdict: the stack rule's index among the agent's stack rules. */
export function stackVerdictClassKey(waitClass: WaitClass, stackRuleIndex: number): number {
  return codeOfClass(waitClass) | ((STACK_RULE_BASE + stackRuleIndex) << CLASS_RULE_SHIFT);
}

export type DecodedClassKey =
  | { pendingStackId: number }
  | { waitClass: WaitClass; ruleId: string };

/**
 * What a class_key says: a pending stack id, or the class and the id of the
 * rule behind it (stackRuleIdOf names the agent's stack rules by index).
 */
export function decodeClassKey(classKey: number, stackRuleIdOf: (index: number) => string | undefined): DecodedClassKey {
  if (classKey >= CLASS_KEY_PENDING_STACK) return { pendingStackId: classKey - CLASS_KEY_PENDING_STACK };
  const waitClass: WaitClass = WAIT_CLASS_CODES[classKey & 0xff] ?? 'other';
  const rule = classKey >>> CLASS_RULE_SHIFT;
  if (rule === 0) return { waitClass, ruleId: SYSCALL_NAME_RULE_ID };
  if (rule === PROCESS_EXIT_RULE) return { waitClass, ruleId: PROCESS_EXIT_RULE_ID };
  if (rule < STACK_RULE_BASE) {
    const kind = FD_KINDS[rule - FD_RULE_BASE] ?? 'other';
    return { waitClass, ruleId: FD_KIND_RULES[kind].id };
  }
  return { waitClass, ruleId: stackRuleIdOf(rule - STACK_RULE_BASE) ?? 'stack-unknown-rule' };
}
