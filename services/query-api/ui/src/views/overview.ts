import type { SeriesResponse, TopSyscallsResponse } from '@stallscope/query-api';
import { WAIT_CLASSES } from '@stallscope/schemas';
import { getJson } from '../api.js';
import { sparkline } from '../charts/sparkline.js';
import { h } from '../dom.js';
import { formatCount, formatMs, formatSeconds, stepFor } from '../format.js';
import { inBatches, section } from '../section.js';
import { hrefOf } from '../state.js';
import { checkbox, selectFilter, textFilter, windowPicker } from './controls.js';

const ROWS = 25;
const SPARKLINES_IN_FLIGHT = 4;

type TopRow = TopSyscallsResponse['rows'][number];

/**
 * The fleet at a glance: what blocked longest per (service, syscall, wait
 * class) over the window, with its trend. Idle waits are hidden unless asked for.
 */
export function overviewView(state: URLSearchParams): HTMLElement {
  const window = state.get('window') ?? '15m';
  const filters = {
    window,
    service: state.get('service') ?? undefined,
    host: state.get('host') ?? undefined,
    waitClass: state.get('waitClass') ?? undefined,
    includeIdle: state.get('includeIdle') === 'true' ? 'true' : undefined,
  };
  const serviceHref = (row: TopRow, extra: Record<string, string> = {}) =>
    hrefOf({ view: 'service', service: row.service, window, includeIdle: filters.includeIdle, ...extra });

  const table = async () => {
    const top = await getJson<TopSyscallsResponse>('/v1/syscalls/top', { ...filters, by: 'service', limit: ROWS });
    if (top.rows.length === 0) return h('p', { class: 'muted' }, `nothing blocked in the last ${window} with these filters`);
    const trends: (() => Promise<void>)[] = [];
    const body = top.rows.map((row) => {
      const trend = h('td', { class: 'trend' });
      trends.push(async () => {
        const series = await getJson<SeriesResponse>('/v1/syscalls/series', {
          window,
          step: stepFor(window),
          service: row.service,
          host: filters.host,
          syscall: row.syscall,
          waitClass: row.waitClass,
        });
        trend.append(sparkline(series.points.map((point) => point.blockedSeconds)));
      });
      const detail = serviceHref(row, { syscall: row.syscall ?? '' });
      return h(
        'tr',
        { 'data-service': row.service, 'data-syscall': row.syscall, 'data-wait-class': row.waitClass },
        h('td', {}, h('a', { href: serviceHref(row) }, row.service)),
        h('td', {}, h('a', { href: detail }, row.syscall)),
        h('td', {}, h('span', { class: `wait wait-${row.waitClass}` }, row.waitClass)),
        h('td', { class: 'num blocked' }, h('a', { href: detail }, formatSeconds(row.blockedSeconds))),
        h('td', { class: 'num' }, h('a', { href: detail }, formatCount(row.calls))),
        h('td', { class: 'num' }, h('a', { href: detail }, formatMs(row.p50Ms))),
        h('td', { class: 'num' }, h('a', { href: detail }, formatMs(row.p99Ms))),
        h('td', { class: 'num' }, h('a', { href: detail }, formatMs(row.maxMs))),
        h('td', { class: 'num' }, formatCount(row.hosts)),
        trend,
      );
    });
    void inBatches(trends, SPARKLINES_IN_FLIGHT);
    return h(
      'table',
      { class: 'top' },
      h('thead', {}, h('tr', {}, ['service', 'syscall', 'wait', 'blocked', 'calls', 'p50', 'p99', 'max', 'hosts', `trend (${window})`].map((title) => h('th', {}, title)))),
      h('tbody', {}, body),
    );
  };

  return h(
    'div',
    { class: 'view overview' },
    h(
      'div',
      { class: 'toolbar' },
      windowPicker(),
      textFilter('service', 'Service'),
      textFilter('host', 'Host'),
      selectFilter('waitClass', 'Wait class', WAIT_CLASSES),
      checkbox('includeIdle', 'show idle waits'),
    ),
    section('Top blocked syscalls', table),
  );
}
