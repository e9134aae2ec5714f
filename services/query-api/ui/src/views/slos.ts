import type { SloReportResponse, SloStatusResponse } from '@stallscope/query-api';
import { getJson } from '../api.js';
import { WAIT_CLASS_COLORS } from '../charts/theme.js';
import { h } from '../dom.js';
import { formatPercent, formatSeconds } from '../format.js';
import { section } from '../section.js';
import { hrefOf } from '../state.js';

function kernelBreakdown(report: SloReportResponse): HTMLElement {
  const total = report.badTime.waitClasses.reduce((sum, wait) => sum + wait.blockedSeconds, 0);
  if (total === 0) return h('p', { class: 'muted' }, `no kernel waits in the bad time of the last ${report.badTime.lookback}`);
  return h(
    'div',
    { class: 'breakdown' },
    h('div', { class: 'muted' }, `bad time in the last ${report.badTime.lookback}: ${formatSeconds(report.badTime.badSeconds)} in ${report.badTime.badPeriods} periods; kernel waits in it:`),
    h(
      'div',
      { class: 'bar' },
      report.badTime.waitClasses.map((wait) =>
        h('span', { style: `width:${(wait.blockedSeconds / total) * 100}%;background:${WAIT_CLASS_COLORS[wait.waitClass] ?? '#888'}`, title: `${wait.waitClass} ${formatSeconds(wait.blockedSeconds)}` }),
      ),
    ),
    h(
      'ul',
      {},
      report.badTime.waitClasses.map((wait) =>
        h('li', {}, h('span', { class: `wait wait-${wait.waitClass}` }, wait.waitClass), ` ${formatSeconds(wait.blockedSeconds)} — ${wait.topSyscalls.map((top) => top.syscall).join(', ')}`),
      ),
    ),
  );
}

function sloCard(slo: SloStatusResponse): HTMLElement {
  const compliance = slo.budgetPeriod.compliance;
  const met = compliance === null || compliance >= slo.target;
  const firing = slo.burnRate.alerts.some((alert) => alert.firing);
  return h(
    'article',
    { class: `slo ${met ? 'met' : 'missed'} ${firing ? 'burning' : ''}`.trim(), 'data-slo': slo.name },
    h('h3', {}, slo.displayName ?? slo.name, ' ', h('a', { class: 'muted', href: hrefOf({ view: 'service', service: slo.service }) }, slo.service)),
    h(
      'div',
      { class: 'figures' },
      h('div', {}, h('div', { class: 'figure' }, formatPercent(compliance)), h('div', { class: 'muted' }, `compliance (target ${formatPercent(slo.target)})`)),
      h('div', {}, h('div', { class: 'figure' }, formatPercent(slo.budgetPeriod.budgetRemaining)), h('div', { class: 'muted' }, 'error budget left')),
      h('div', {}, h('div', { class: `figure burn-${slo.burnRate.state}` }, slo.burnRate.state), h('div', { class: 'muted' }, 'burn rate')),
    ),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ['window', 'compliance', 'burn rate', 'budget left'].map((title) => h('th', {}, title)))),
      h(
        'tbody',
        {},
        slo.windows.map((window) =>
          h(
            'tr',
            {},
            h('td', {}, window.window),
            h('td', { class: 'num' }, formatPercent(window.compliance)),
            h('td', { class: 'num' }, window.burnRate === null ? '–' : window.burnRate.toFixed(2)),
            h('td', { class: 'num' }, formatPercent(window.budgetRemaining)),
          ),
        ),
      ),
    ),
    section('Where the bad time went', async () => kernelBreakdown(await getJson<SloReportResponse>(`/v1/slos/${encodeURIComponent(slo.name)}/report`))),
  );
}

/** Every SLO: compliance, budget left, burn-rate state per window, and the kernel's share of its bad time. */
export function slosView(): HTMLElement {
  return h(
    'div',
    { class: 'view slos' },
    section('SLOs', async () => {
      const { slos } = await getJson<{ slos: SloStatusResponse[] }>('/v1/slos');
      if (slos.length === 0) return h('p', { class: 'muted' }, 'no SLOs defined (see docs/slos.md)');
      return h('div', { class: 'slo-board' }, slos.map(sloCard));
    }),
  );
}
