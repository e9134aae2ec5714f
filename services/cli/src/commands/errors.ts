import type { TopErrorsResponse } from '@stallscope/query-api';
import { renderTable } from '../format/table.js';
import { formatCount } from '../format/units.js';
import { queryOf, type Command } from './command.js';

export const errorsCommand: Command = {
  name: 'errors',
  synopsis: 'errors [--window 15m] [--by errno|errnoClass] [--service S] [--host H] [--syscall X] [--errno E] [--limit 10]',
  summary: 'the syscalls that failed most, per service, syscall and errno',
  options: {
    window: { type: 'string' },
    by: { type: 'string' },
    service: { type: 'string' },
    host: { type: 'string' },
    syscall: { type: 'string' },
    errno: { type: 'string' },
    limit: { type: 'string' },
  },
  positionals: [],
  request: (values) => ({
    path: '/v1/errors/top',
    query: queryOf(values, { window: 'window', by: 'by', service: 'service', host: 'host', syscall: 'syscall', errno: 'errno', limit: 'limit' }),
  }),
  render(body, output) {
    const answer = body as TopErrorsResponse;
    const title = `top failed syscalls by ${answer.by}, last ${answer.window}`;
    if (answer.rows.length === 0) return `${title}: no errors`;
    const columns = [
      { header: 'SERVICE', align: 'left', shrinkable: true },
      { header: 'SYSCALL', align: 'left', shrinkable: true },
      { header: answer.by === 'errnoClass' ? 'ERROR.TYPE' : 'ERRNO', align: 'left' },
      { header: 'ERRORS', align: 'right' },
      { header: 'HOSTS', align: 'right' },
    ] as const;
    const rows = answer.rows.map((row) => [row.service, row.syscall, row.errno, formatCount(row.errors), formatCount(row.hosts)]);
    return `${title}\n${renderTable(columns, rows, output)}`;
  },
};
