import type { TraceResponse } from '@stallscope/query-api';
import { getJson } from '../api.js';
import { waterfall } from '../charts/waterfall.js';
import { h } from '../dom.js';
import { section } from '../section.js';
import { navigate, hrefOf } from '../state.js';
import type { UiSettings } from '../settings.js';

const TRACE_ID = /^[0-9a-f]{32}$/i;

function traceForm(current: string): HTMLElement {
  const input = h('input', { name: 'trace', placeholder: '32 hex digits', value: current, size: 36, pattern: '[0-9a-fA-F]{32}', required: true });
  return h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (event: Event) => {
        event.preventDefault();
        navigate(hrefOf({ view: 'trace', trace: input.value.trim().toLowerCase() }));
      },
    },
    h('label', { class: 'control' }, 'Trace id ', input),
    h('button', { type: 'submit' }, 'Open'),
  );
}

/** A trace's waterfall with the kernel's slow syscalls under the spans they blocked. */
export function traceView(state: URLSearchParams, settings: UiSettings): HTMLElement {
  const traceId = (state.get('trace') ?? '').toLowerCase();
  const view = h('div', { class: 'view trace' }, traceForm(traceId));
  if (traceId === '') return view;
  if (!TRACE_ID.test(traceId)) {
    view.append(h('p', { class: 'error' }, `not a trace id: ${traceId} (32 hex digits)`));
    return view;
  }
  view.append(
    section(`Trace ${traceId}`, async () => {
      const trace = await getJson<TraceResponse>(`/v1/traces/${traceId}`);
      return [
        settings.jaegerUiUrl ? h('p', {}, h('a', { href: `${settings.jaegerUiUrl.replace(/\/$/, '')}/trace/${traceId}`, target: '_blank', rel: 'noopener' }, 'Open in Jaeger')) : null,
        trace.warnings.map((warning) => h('p', { class: 'warning' }, warning)),
        waterfall(trace),
      ];
    }),
  );
  return view;
}
