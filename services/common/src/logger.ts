import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Structured JSON logs on stdout; components log through children named after them. */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({ name: 'stallscope', level, base: { pid: process.pid } });
}
