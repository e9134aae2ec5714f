import type { SeriesResponse } from '@stallscope/query-api';
import { foldToWidth, sparkline } from '../format/sparkline.js';
import { formatCount, formatSeconds } from '../format/units.js';
import { CliError, EXIT_USAGE } from '../cli-error.js';
import { queryOf, type Command } from './command.js';

const LABEL_WIDTH = 9;
/** Room each sparkline line keeps for its label and the figures after it. */
const FIGURES_WIDTH = 40;

export const seriesCommand: Command = {
  name: 'series',
  synopsis: 'series --service S --syscall X [--window 1h] [--step 5m] [--host H] [--include-idle]',
  summary: "one service's syscall over time: blocked seconds and calls per step, as sparklines",
  options: {
    service: { type: 'string' },
    syscall: { type: 'string' },
    window: { type: 'string' },
    step: { type: 'string' },
    host: { type: 'string' },
    'include-idle': { type: 'boolean' },
  },
  positionals: [],
  request(values) {
    for (const flag of ['service', 'syscall']) {
      if (values[flag] === undefined) throw new CliError(`series needs --${flag}`, EXIT_USAGE);
    }
    return {
      path: '/v1/syscalls/series',
      query: queryOf(values, { service: 'service', syscall: 'syscall', window: 'window', step: 'step', host: 'host', 'include-idle': 'includeIdle' }),
    };
  },
  render(body, output) {
    const answer = body as SeriesResponse;
    const columns = output.width === undefined ? answer.points.length : Math.max(10, output.width - FIGURES_WIDTH);
    const blocked = answer.points.map((point) => point.blockedSeconds);
    const calls = answer.points.map((point) => point.calls);
    const total = (values: number[]) => values.reduce((sum, value) => sum + value, 0);
    const line = (label: string, values: number[], figures: string) => `${label.padEnd(LABEL_WIDTH)}${sparkline(foldToWidth(values, columns))}  ${figures}`;
    const first = answer.points[0]?.time ?? '';
    const last = answer.points.at(-1)?.time ?? '';
    return [
      `last ${answer.window} by ${answer.step} (${answer.rollup} rollup), ${answer.points.length} steps ${first} .. ${last}`,
      line('blocked', blocked, `max ${formatSeconds(Math.max(0, ...blocked))}/step, total ${formatSeconds(total(blocked))}`),
      line('calls', calls, `max ${formatCount(Math.max(0, ...calls))}/step, total ${formatCount(total(calls))}`),
    ].join('\n');
  },
};
