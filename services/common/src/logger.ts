import { pino, type Logger, type LevelWithSilent } from 'pino';
import { prettyDestination } from './pretty-log.js';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  /** One readable line per record instead of JSON; by default when stdout is a terminal. */
  pretty?: boolean;
}

/** Logs on stdout (JSON for collectors, readable on a terminal); components log through children named after them. */
export function createLogger(level: LevelWithSilent = 'info', options: LoggerOptions = {}): Logger {
  const settings = { name: 'stallscope', level, base: { pid: process.pid } };
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pretty ? pino(settings, prettyDestination(process.stdout)) : pino(settings);
}
