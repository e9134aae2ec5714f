import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '@stallscope/common';
import type { SignalName } from '@stallscope/schemas';
import { RecordDecoder } from './decode.js';
import type { LoaderRecord } from './records.js';

export interface LoaderOptions {
  loaderPath: string;
  /** The signals to load (each is skipped with one line where the kernel lacks its hook). */
  signals: readonly SignalName[];
  intervalMs: number;
  slowThresholdNs: bigint;
  slowEventsForIdle: boolean;
  /** Only the time off the CPU (sync calls whole), or entry to exit; unset: the loader's default, off-cpu on x86-64. */
  syscallTiming?: 'every-call' | 'off-cpu';
  /** Calls classed by their user stack take it when they blocked at least this long. */
  stackMinNs: bigint;
  /** Calls classed by their fd look it up when they took at least this long. */
  fdClassMinNs: bigint;
  /** Sleeps of threads whose last 3 sleeps were short take off-CPU stacks 1 in this many times. */
  offCpuStackSampleEvery: number;
  /** Syscall number -> classify code (schemas' kernelClassifyCode), non-zero entries only. */
  syscallClassifyCodes: ReadonlyMap<number, number>;
  maxHistEntries: number;
  /** Peer ports of 1024 and above that are their own port class in TCP metrics (default none). */
  tcpServicePorts?: readonly number[];
  /** Notable TCP connections sent per second (the loader's default when unset). */
  tcpConnectionEventsPerSecond?: number;
  /** One Go park in this many takes its stack (the loader's default when unset). */
  goParkStackSampleEvery?: number;
  /** CPU profile samples per second on each CPU (the loader's default when unset). */
  profileSampleHz?: number;
  logger: Logger;
  onRecord: (record: LoaderRecord) => void;
  /** Called once, after the last record has been delivered. */
  onExit: (code: number | null, signal: string | null) => void;
}

export interface LoaderHandle {
  pid: number;
  /** One command line for a signal of the loader, e.g. ('syscalls', 'verdict 3 514'). */
  command(signal: SignalName, line: string): void;
  /** SIGTERM, SIGKILL if still running after 3 s; resolves once the loader has exited. Idempotent. */
  stop(): Promise<void>;
}

const KILL_AFTER_MS = 3000;

/** Runs the C loader as a child process and decodes its stdout into records. */
export function spawnLoader(options: LoaderOptions): LoaderHandle {
  const { logger } = options;
  const args = [
    '--signals', options.signals.join(','),
    '--interval-ms', String(options.intervalMs),
    '--slow-threshold-ns', options.slowThresholdNs.toString(),
    '--stack-min-ns', options.stackMinNs.toString(),
    '--offcpu-stack-every', String(options.offCpuStackSampleEvery),
    '--fd-class-min-ns', options.fdClassMinNs.toString(),
    '--max-hist-entries', String(options.maxHistEntries),
  ];
  if (options.slowEventsForIdle) args.push('--slow-events-for-idle');
  if (options.syscallTiming !== undefined) args.push('--syscall-timing', options.syscallTiming);
  if (options.tcpServicePorts?.length) args.push('--tcp-ports', options.tcpServicePorts.join(','));
  if (options.tcpConnectionEventsPerSecond !== undefined) {
    args.push('--tcp-events-per-sec', String(options.tcpConnectionEventsPerSecond));
  }
  if (options.goParkStackSampleEvery !== undefined) args.push('--go-park-stack-every', String(options.goParkStackSampleEvery));
  if (options.profileSampleHz !== undefined) args.push('--profile-hz', String(options.profileSampleHz));
  if (options.syscallClassifyCodes.size > 0) {
    args.push('--syscall-classes', [...options.syscallClassifyCodes].map(([nr, code]) => `${nr}=${code}`).join(','));
  }

  const child = spawn(options.loaderPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // A loader that exited takes no more commands; that is not the agent's error.
  child.stdin.on('error', () => {});
  child.on('error', (err) => logger.error({ err, loaderPath: options.loaderPath }, 'BPF loader process error'));
  const { pid } = child;
  if (pid === undefined) {
    throw new Error(`cannot start the BPF loader ${options.loaderPath} (built with make -C bpf-agent?)`);
  }

  const decoder = new RecordDecoder();
  let corrupt = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (corrupt) return;
    let records: LoaderRecord[];
    try {
      records = decoder.push(chunk);
    } catch (err) {
      corrupt = true;
      logger.error({ err, loaderPid: pid }, 'stopping the BPF loader: its output cannot be decoded');
      child.kill('SIGTERM');
      return;
    }
    for (const record of records) options.onRecord(record);
  });
  createInterface({ input: child.stderr }).on('line', (line) => logger.warn({ loaderPid: pid }, line));

  // 'close' comes after stdout has ended, so every record has been delivered by then.
  const closed = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      if (decoder.bufferedBytes > 0) {
        logger.warn({ loaderPid: pid, bytes: decoder.bufferedBytes }, 'BPF loader output ended inside a record');
      }
      options.onExit(code, signal);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  return {
    pid,
    command(signal, line) {
      if (!child.stdin.writable) return;
      child.stdin.write(`${signal} ${line}\n`);
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
        await closed;
        clearTimeout(killTimer);
      })();
      return stopping;
    },
  };
}
