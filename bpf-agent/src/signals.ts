import type { Counter } from 'prom-client';
import type { Logger } from '@stallscope/common';
import { WAIT_CLASS_RULES, STACK_CLASSIFIED_SYSCALLS, classifyByStack, kernelClassifyCode, syscallTable, type SignalName, type SyscallArch } from '@stallscope/schemas';
import { createGoRuntimeSignal } from '../signals/goruntime/goruntime-signal.js';
import { createMemorySignal } from '../signals/memory/memory-signal.js';
import { createOffCpuSignal } from '../signals/offcpu/offcpu-signal.js';
import { createProcessSignal } from '../signals/process/process-signal.js';
import { createProfileSignal } from '../signals/profile/profile-signal.js';
import { createSyscallsSignal } from '../signals/syscalls/syscalls-signal.js';
import { createTcpSignal } from '../signals/tcp/tcp-signal.js';
import type { AgentConfig } from './config.js';
import type { LoaderOptions } from './loader/loader-process.js';
import type { AgentSignal, SignalContext } from './signal.js';
import { SymbolizeBudget, Symbolizer, readKernelSymbols, type SymbolTable } from './symbols/index.js';

/** Spans waiting for the next export, across all processes. */
const MAX_PENDING_SPANS = 10_000;
/** ELF files whose symbol tables the symbolizer keeps. */
const MAX_SYMBOL_FILES = 256;

/** Stack rules in kernel order: the shared rules, then each stack-classed syscall's fallback. */
const STACK_RULE_IDS = [
  ...WAIT_CLASS_RULES.map((rule) => rule.id),
  ...STACK_CLASSIFIED_SYSCALLS.map((syscall) => `${syscall}-default`),
];

export interface SignalDeps {
  arch: SyscallArch;
  contextFor(name: SignalName): SignalContext;
  spansDropped: Counter<'reason'>;
  /** Shared by every signal that names stacks; the agent renews it each interval. */
  symbolizeBudget: SymbolizeBudget;
  logger: Logger;
}

/** The agent's signals, in the order they are listed here; each is one folder under signals/. */
export function createSignals(config: AgentConfig, deps: SignalDeps): AgentSignal[] {
  const signals: AgentSignal[] = [];
  // One cache of parsed ELF files for every signal that names user frames.
  const symbolizer = new Symbolizer({
    maxFiles: MAX_SYMBOL_FILES,
    maxSymbolBytes: config.symbolCacheMiB * 1024 * 1024,
    leafCallers: deps.arch === 'x86_64',
  });
  // Unnamed frames in hex here: a frame put back after the leaf shifts the rest from their addresses.
  const userFrames = (pid: number, addresses: readonly bigint[], leafReturn?: bigint) =>
    symbolizer.symbolize(pid, [...addresses], leafReturn).map((frame) => frame.symbol ?? `0x${frame.address.toString(16)}`);
  if (config.signals.syscalls) {
    signals.push(
      createSyscallsSignal(deps.contextFor('syscalls'), {
        arch: deps.arch,
        maxSlowSpansPerProcessPerInterval: config.maxSlowSpansPerProcessPerInterval,
        maxPendingSpans: MAX_PENDING_SPANS,
        stackRules: { ruleIds: STACK_RULE_IDS, classify: classifyByStack },
        symbolize: userFrames,
        keepMappings: (pid) => symbolizer.keepMappings(pid),
        spansDropped: deps.spansDropped,
        symbolizeBudget: deps.symbolizeBudget,
        spansForIdleWaits: config.slowSpansForIdleSyscalls,
      }),
    );
  }
  // Read once, by the first signal that names kernel frames.
  let kernelSymbols: SymbolTable | undefined;
  const kernelFrame = (address: bigint) => (kernelSymbols ??= readKernelSymbols()).lookup(address);
  if (config.signals.offcpu) {
    signals.push(
      createOffCpuSignal(deps.contextFor('offcpu'), {
        symbolizers: { kernel: kernelFrame, user: userFrames },
        maxStacksPerService: config.offCpuStacksPerService,
        symbolizeBudget: deps.symbolizeBudget,
      }),
    );
  }
  if (config.signals.process) signals.push(createProcessSignal(deps.contextFor('process')));
  if (config.signals.tcp) signals.push(createTcpSignal(deps.contextFor('tcp')));
  if (config.signals.goruntime) {
    signals.push(
      createGoRuntimeSignal(deps.contextFor('goruntime'), {
        parts: config.goRuntime,
        maxParkStacksPerService: config.goRuntime.parkStacksPerService,
        symbolize: userFrames,
        symbolizeBudget: deps.symbolizeBudget,
        logger: deps.logger.child({ signal: 'goruntime' }),
      }),
    );
  }
  if (config.signals.profile) {
    signals.push(
      createProfileSignal(deps.contextFor('profile'), {
        symbolizers: { kernel: kernelFrame, user: userFrames },
        sampleHz: config.profileSampleHz,
        maxStacksPerService: config.profileStacksPerService,
        // A budget of its own: its records come last in each snapshot, and on a busy host the
        // other signals' stacks spent the shared budget first, every interval, so none was named.
        symbolizeBudget: new SymbolizeBudget(config.symbolizeBudgetMsPerInterval),
      }),
    );
  }
  if (config.signals.memory) signals.push(createMemorySignal(deps.contextFor('memory'), config.memory));
  return signals;
}

/** What the loader is started with for these signals. */
export function loaderOptionsOf(
  config: AgentConfig,
  arch: SyscallArch,
  signals: readonly Pick<AgentSignal, 'name'>[],
): Omit<LoaderOptions, 'loaderPath' | 'logger' | 'onRecord' | 'onExit'> {
  const syscallClassifyCodes = new Map<number, number>();
  for (const [nr, name] of syscallTable(arch)) {
    const code = kernelClassifyCode(name);
    if (code !== 0) syscallClassifyCodes.set(nr, code);
  }
  return {
    signals: signals.map((signal) => signal.name),
    intervalMs: config.intervalMs,
    slowThresholdNs: BigInt(Math.round(config.slowSyscallThresholdMs * 1e6)),
    slowEventsForIdle: config.slowSpansForIdleSyscalls,
    syscallTiming: config.syscallTiming,
    stackMinNs: BigInt(Math.round(config.stackMinUs * 1e3)),
    offCpuStackSampleEvery: config.offCpuStackSampleEvery,
    fdClassMinNs: BigInt(Math.round(config.fdClassMinUs * 1e3)),
    syscallClassifyCodes,
    maxHistEntries: config.maxHistEntries,
    tcpServicePorts: config.tcpServicePorts,
    tcpConnectionEventsPerSecond: config.tcpConnectionEventsPerSecond,
    goParkStackSampleEvery: config.goRuntime.parkStackSampleEvery,
    profileSampleHz: config.profileSampleHz,
  };
}
