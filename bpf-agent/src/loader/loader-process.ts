import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '@stallscope/common';
import { RecordDecoder } from './decode.js';
import type { LoaderRecord } from './records.js';

export interface LoaderOptions {
  loaderPath: string;
  intervalMs: number;
  slowThresholdNs: bigint;
  maxHistEntries: number;
  slowIgnoreSyscallNrs: number[];
  logger: Logger;
  onRecord: (record: LoaderRecord) => void;
  /** Called once, after the last record has been delivered. */
  onExit: (code: number | null, signal: string | null) => void;
}

export interface LoaderHandle {
  pid: number;
  /** SIGTERM, SIGKILL if still running after 3 s; resolves once the loader has exited. Idempotent. */
  stop(): Promise<void>;
}

const KILL_AFTER_MS = 3000;

/** Runs the C loader as a child process and decodes its stdout into records. */
export function spawnLoader(options: LoaderOptions): LoaderHandle {
  const { logger } = options;
  const args = [
    '--interval-ms', String(options.intervalMs),
    '--slow-threshold-ns', options.slowThresholdNs.toString(),
    '--max-hist-entries', String(options.maxHistEntries),
  ];
  if (options.slowIgnoreSyscallNrs.length > 0) args.push('--slow-ignore', options.slowIgnoreSyscallNrs.join(','));

  const child = spawn(options.loaderPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
