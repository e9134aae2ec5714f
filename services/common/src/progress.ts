// Progress of a long job (a benchmark, a backfill): on a terminal one bar
// rewritten in place, sized to its width; into a pipe or a file one plain line
// per step, so a CI log keeps every step and no escape codes.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** `done` steps of the total are finished; `note` says what is going on. */
  update(done: number, note?: string): void;
  /** Clears the bar (a terminal) or writes the last line (a pipe). */
  finish(note?: string): void;
}

export interface ProgressOptions {
  /** Steps in all; without it only the notes show. */
  total?: number;
  stream?: ProgressStream;
  /** Milliseconds, monotonic; for tests. */
  now?: () => number;
}

const DEFAULT_COLUMNS = 80;
const MIN_BAR = 10;
const MAX_BAR = 40;

function seconds(ms: number): string {
  const total = Math.round(ms / 1000);
  return total >= 60 ? `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s` : `${total}s`;
}

export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const { total } = options;
  const startedMs = now();
  const tty = stream.isTTY === true;

  const figures = (done: number, total: number): string => {
    const elapsed = now() - startedMs;
    const eta = done > 0 && done < total ? `, ${seconds((elapsed / done) * (total - done))} left` : '';
    return `${done}/${total} ${Math.floor((done / total) * 100)}% ${seconds(elapsed)}${eta}`;
  };

  const bar = (done: number, total: number, columns: number): string => {
    const width = Math.max(MIN_BAR, Math.min(MAX_BAR, Math.floor(columns / 3)));
    const filled = Math.round((Math.min(done, total) / total) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] `;
  };

  const line = (done: number, note: string | undefined): string => {
    const columns = stream.columns ?? DEFAULT_COLUMNS;
    const counted = total === undefined || total <= 0 ? ':' : ` ${tty ? bar(done, total, columns) : ''}${figures(done, total)}`;
    const text = `${label}${counted}${note ? ` ${note}` : ''}`;
    const chars = [...text];
    return !tty || chars.length < columns ? text : `${chars.slice(0, columns - 2).join('')}…`;
  };

  let last = 0;
  return {
    update(done, note) {
      last = done;
      stream.write(tty ? `\r\x1b[K${line(done, note)}` : `${line(done, note)}\n`);
    },
    finish(note) {
      if (tty) stream.write('\r\x1b[K');
      else if (note !== undefined) stream.write(`${line(last, note)}\n`);
    },
  };
}
