import type { TopSyscallsResponse } from '@stallscope/query-api';
import { renderTable, type Column } from '../format/table.js';
import { formatCount, formatMilliseconds, formatSeconds } from '../format/units.js';
import { queryOf, type Command } from './command.js';

type Row = TopSyscallsResponse['rows'][number];
type Dimension = TopSyscallsResponse['by'];

const text = (header: string): Column => ({ header, align: 'left', shrinkable: true });
const number = (header: string): Column => ({ header, align: 'right' });

/** The grouping column, then what every row has: a row grouped by waitClass or syscall has no other key. */
function columnsFor(by: Dimension): { columns: Column[]; cells: (row: Row) => string[] } {
  const key = by === 'waitClass' ? [] : [text(by.toUpperCase())];
  const syscall = by === 'waitClass' || by === 'syscall' ? [] : [text('SYSCALL')];
  const keyCell = (row: Row) => (by === 'waitClass' ? [] : [row[by] || '-']);
  const syscallCell = (row: Row) => (syscall.length === 0 ? [] : [row.syscall ?? '-']);
  return {
    columns: [...key, ...syscall, text('WAIT'), number('BLOCKED'), number('CALLS'), number('P50'), number('P90'), number('P99'), number('MAX'), number('HOSTS')],
    cells: (row) => [
      ...keyCell(row),
      ...syscallCell(row),
      row.waitClass,
      formatSeconds(row.blockedSeconds),
      formatCount(row.calls),
      formatMilliseconds(row.p50Ms),
      formatMilliseconds(row.p90Ms),
      formatMilliseconds(row.p99Ms),
      formatMilliseconds(row.maxMs),
      formatCount(row.hosts),
    ],
  };
}

export const topCommand: Command = {
  name: 'top',
  synopsis:
    'top [--window 15m] [--by service|host|container|syscall|waitClass] [--service S] [--host H] [--container C] [--syscall X] [--wait-class W] [--include-idle] [--limit 10]',
  summary: 'the syscalls that blocked longest (idle waits left out unless --include-idle)',
  options: {
    window: { type: 'string' },
    by: { type: 'string' },
    service: { type: 'string' },
    host: { type: 'string' },
    container: { type: 'string' },
    syscall: { type: 'string' },
    'wait-class': { type: 'string' },
    'include-idle': { type: 'boolean' },
    limit: { type: 'string' },
  },
  positionals: [],
  request: (values) => ({
    path: '/v1/syscalls/top',
    query: queryOf(values, {
      window: 'window',
      by: 'by',
      service: 'service',
      host: 'host',
      container: 'container',
      syscall: 'syscall',
      'wait-class': 'waitClass',
      'include-idle': 'includeIdle',
      limit: 'limit',
    }),
  }),
  render(body, output) {
    const answer = body as TopSyscallsResponse;
    const { columns, cells } = columnsFor(answer.by);
    const title = `top blocked syscalls by ${answer.by}, last ${answer.window} (${answer.rollup} rollup)`;
    if (answer.rows.length === 0) return `${title}: nothing blocked`;
    return `${title}\n${renderTable(columns, answer.rows.map(cells), output)}`;
  },
};
