import type { DiagnosisResponse, HeatmapResponse, SeriesResponse, TopSyscallsResponse } from '@stallscope/query-api';
import { getJson, getText } from '../api.js';
import { flameGraph } from '../charts/flame-graph.js';
import { heatmap } from '../charts/heatmap.js';
import { seriesChart } from '../charts/series-chart.js';
import { WAIT_CLASS_COLORS } from '../charts/theme.js';
import { h, type Child } from '../dom.js';
import { formatCount, formatMs, formatSeconds, stepFor } from '../format.js';
import { section } from '../section.js';
import { hrefOf, updateState } from '../state.js';
import { checkbox, windowPicker } from './controls.js';

const HEATMAP_SYSCALLS = 4;
/** The profiles route's stack types, with what their folded values count. */
const PROFILES = [
  { type: 'offcpu', title: 'Off-CPU', unit: 'ns off CPU' },
  { type: 'cpu', title: 'CPU', unit: 'samples' },
  // Go services, with the agent's goroutine waits switched on: each stack under its wait reason.
  { type: 'goroutine-wait', title: 'Goroutine waits', unit: 'ns parked' },
] as const;

/** Blocked seconds per step and wait class: one series per class the service has in the window. */
async function blockedByClass(service: string, window: string, includeIdle: boolean, syscall: string | undefined): Promise<Child> {
  const classes = await getJson<TopSyscallsResponse>('/v1/syscalls/top', { window, by: 'waitClass', service, syscall, includeIdle, limit: 10 });
  if (classes.rows.length === 0) return h('p', { class: 'muted' }, 'nothing blocked in this window');
  const series = await Promise.all(
    classes.rows.map((row) => getJson<SeriesResponse>('/v1/syscalls/series', { window, step: stepFor(window), service, syscall, waitClass: row.waitClass, includeIdle })),
  );
  const container = h('div', { class: 'chart' });
  requestAnimationFrame(() =>
    seriesChart(
      container,
      series[0]?.points.map((point) => point.time) ?? [],
      series.map((answer, index) => {
        const waitClass = classes.rows[index]?.waitClass ?? '';
        return { label: waitClass, color: WAIT_CLASS_COLORS[waitClass] ?? '#888', values: answer.points.map((point) => point.blockedSeconds) };
      }),
    ),
  );
  return container;
}

/** One latency heatmap per syscall (the chosen one, or the service's top ones), every call of it counted. */
async function heatmaps(service: string, window: string, includeIdle: boolean, syscall: string | undefined): Promise<Child> {
  // Rows are per (syscall, wait class): a syscall waiting in several classes comes once.
  const ranked = syscall
    ? [syscall]
    : (await getJson<TopSyscallsResponse>('/v1/syscalls/top', { window, by: 'syscall', service, includeIdle, limit: 3 * HEATMAP_SYSCALLS })).rows.map((row) => row.syscall ?? '');
  const syscalls = [...new Set(ranked)].slice(0, HEATMAP_SYSCALLS);
  if (syscalls.length === 0) return h('p', { class: 'muted' }, 'no syscalls in this window');
  const maps = await Promise.all(
    syscalls.map((name) => getJson<HeatmapResponse>('/v1/syscalls/heatmap', { window, step: stepFor(window), service, syscall: name, includeIdle: true })),
  );
  return maps.map((map, index) =>
    h(
      'figure',
      { class: 'heatmap-figure', 'data-syscall': syscalls[index] },
      h('figcaption', {}, h('a', { href: hrefOf({ view: 'service', service, window, syscall: syscalls[index] }) }, syscalls[index]), ` — calls by latency over the last ${window}`),
      heatmap(map, heatmapWidth()),
    ),
  );
}

/** The page's width less the row labels. */
const heatmapWidth = (): number => Math.max(360, (document.querySelector('main')?.clientWidth ?? 1000) - 160);

async function flame(service: string, window: string, profile: (typeof PROFILES)[number]): Promise<Child> {
  const folded = await getText(`/v1/profiles/${profile.type}`, { service, window, format: 'folded' });
  return flameGraph(folded, profile.unit);
}

function diagnosisTables(diagnosis: DiagnosisResponse, window: string): Child {
  const context = (call: DiagnosisResponse['slowestCalls'][number]) => [call.filePath, call.peer, call.fdTarget].find((part) => part !== '') ?? '';
  return [
    h(
      'div',
      { class: 'waits' },
      diagnosis.waitsByClass.map((wait) =>
        h(
          'div',
          { class: 'wait-summary' },
          h('span', { class: `wait wait-${wait.waitClass}` }, wait.waitClass),
          ` ${formatSeconds(wait.blockedSeconds)} `,
          h('span', { class: 'muted' }, wait.topSyscalls.map((top) => `${top.syscall} ${formatSeconds(top.blockedSeconds)}`).join(', ')),
        ),
      ),
      h('div', { class: 'wait-summary muted' }, `idle (by design) ${formatSeconds(diagnosis.idleBlockedSeconds)}`),
    ),
    h('h3', {}, 'Slowest calls'),
    diagnosis.slowestCalls.length === 0
      ? h('p', { class: 'muted' }, 'no call past the slow threshold in this window')
      : h(
          'table',
          { class: 'slow-calls' },
          h('thead', {}, h('tr', {}, ['time', 'duration', 'syscall', 'wait', 'on', 'errno', 'host / pid / tid', 'trace'].map((title) => h('th', {}, title)))),
          h(
            'tbody',
            {},
            diagnosis.slowestCalls.map((call) =>
              h(
                'tr',
                {},
                h('td', {}, new Date(call.time).toLocaleTimeString()),
                h('td', { class: 'num' }, formatMs(call.durationMs)),
                h('td', {}, call.syscall),
                h('td', {}, h('span', { class: `wait wait-${call.waitClass}`, title: call.waitClassRule }, call.waitClass)),
                h('td', { class: 'context' }, context(call)),
                h('td', {}, call.errno),
                h('td', {}, `${call.host} / ${call.pid} / ${call.threadId}`),
                h('td', {}, call.traceId ? h('a', { href: hrefOf({ view: 'trace', trace: call.traceId, window }) }, call.traceId.slice(0, 12)) : ''),
              ),
            ),
          ),
        ),
    diagnosis.errorStorms.length === 0
      ? null
      : [
          h('h3', {}, 'Error storms'),
          h('ul', {}, diagnosis.errorStorms.map((storm) => h('li', {}, `${storm.syscall} ${storm.errno} (${storm.errorType}): ${formatCount(storm.errors)} errors, ${storm.errorsPerSecond.toFixed(1)}/s`))),
        ],
  ];
}

/** One service: blocked time by class, latency heatmaps, flame graphs, the diagnosis and its slowest calls. */
export function serviceView(state: URLSearchParams): HTMLElement {
  const service = state.get('service') ?? '';
  const window = state.get('window') ?? '15m';
  const syscall = state.get('syscall') ?? undefined;
  const includeIdle = state.get('includeIdle') === 'true';
  const profile = PROFILES.find((candidate) => candidate.type === state.get('profile')) ?? PROFILES[0];
  if (service === '') return h('p', { class: 'error' }, 'no service given (?service=...)');
  return h(
    'div',
    { class: 'view service' },
    h(
      'h1',
      {},
      service,
      syscall ? [' · ', syscall, ' ', h('a', { class: 'clear', href: hrefOf({ view: 'service', service, window }) }, '(all syscalls)')] : null,
    ),
    h('div', { class: 'toolbar' }, windowPicker(), checkbox('includeIdle', 'show idle waits')),
    section('Blocked time by wait class', () => blockedByClass(service, window, includeIdle, syscall)),
    section('Latency heatmaps', () => heatmaps(service, window, includeIdle, syscall), 'heatmaps'),
    h(
      'div',
      { class: 'tabs', role: 'tablist' },
      PROFILES.map((candidate) =>
        h('button', { role: 'tab', 'aria-selected': candidate === profile ? 'true' : 'false', onclick: () => updateState({ profile: candidate.type }) }, `${candidate.title} flame graph`),
      ),
    ),
    section(`${profile.title} flame graph`, () => flame(service, window, profile), 'flame-section'),
    section('Diagnosis', async () => diagnosisTables(await getJson<DiagnosisResponse>(`/v1/diagnose/${encodeURIComponent(service)}`, { window }), window)),
  );
}
