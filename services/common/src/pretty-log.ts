// pino's JSON lines made readable for a person at a terminal: one line per
// record (time, level, component, message, the other fields as key=value),
// an error's stack under it. A pipe or a file keeps the JSON.
import type { DestinationStream } from 'pino';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Shown in the line's own places, or the same on every line (pid, name). */
const PLACED_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'component', 'err']);

function fieldText(value: unknown): string {
  return typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
}

/** One pino JSON record as `12:00:01.234 INFO  server: msg key=value`; a line that is not JSON as it is. */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[record.level as number] ?? String(record.level)).padEnd(5);
  const component = typeof record.component === 'string' ? `${record.component}: ` : '';
  const fields = Object.entries(record)
    .filter(([key]) => !PLACED_FIELDS.has(key))
    .map(([key, value]) => ` ${key}=${fieldText(value)}`)
    .join('');
  const err = record.err as { stack?: string; message?: string } | undefined;
  const stack = err ? `\n    ${(err.stack ?? err.message ?? '').split('\n').join('\n    ')}` : '';
  return `${time} ${level} ${component}${String(record.msg ?? '')}${fields}${stack}`;
}

/** A pino destination writing formatted records to the stream. */
export function prettyDestination(stream: { write(text: string): unknown }): DestinationStream {
  return {
    write(chunk: string) {
      const lines = chunk.split('\n').filter((line) => line !== '');
      stream.write(lines.map((line) => `${formatLogLine(line)}\n`).join(''));
    },
  };
}
