import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { UNAUTHORIZED_EVENT } from './api.js';
import { apiKey, forgetApiKey } from './auth.js';
import { h, fill } from './dom.js';
import { loadSettings, type UiSettings } from './settings.js';
import { RENDER_EVENT, currentState, hrefOf, interceptLinks, type View } from './state.js';
import { loginView } from './views/login.js';
import { overviewView } from './views/overview.js';
import { serviceView } from './views/service.js';
import { slosView } from './views/slos.js';
import { traceView } from './views/trace.js';

const root = document.getElementById('app')!;
let settings: UiSettings | undefined;

function header(view: View): HTMLElement {
  const window = currentState().get('window') ?? undefined;
  const link = (target: View, title: string, params: Record<string, string | undefined> = {}) =>
    h('a', { href: hrefOf({ view: target, window, ...params }), class: target === view ? 'active' : undefined }, title);
  return h(
    'header',
    {},
    h('span', { class: 'brand' }, 'stallscope'),
    h('nav', {}, link('overview', 'Overview'), link('slos', 'SLOs'), link('trace', 'Traces')),
    h(
      'button',
      {
        class: 'signout',
        onclick: () => {
          forgetApiKey();
          void render();
        },
      },
      'Sign out',
    ),
  );
}

function viewOf(state: URLSearchParams): View {
  const view = state.get('view');
  return view === 'service' || view === 'trace' || view === 'slos' ? view : 'overview';
}

async function render(): Promise<void> {
  if (apiKey() === null) {
    fill(root, loginView(() => void render()));
    return;
  }
  try {
    settings ??= await loadSettings();
  } catch {
    fill(root, loginView(() => void render(), 'the server refused the stored key'));
    return;
  }
  const state = currentState();
  const view = viewOf(state);
  const content =
    view === 'service' ? serviceView(state) : view === 'trace' ? traceView(state, settings) : view === 'slos' ? slosView() : overviewView(state);
  fill(root, header(view), h('main', {}, content));
  document.title = `stallscope · ${view === 'service' ? (state.get('service') ?? '') : view}`;
}

interceptLinks(root);
window.addEventListener('popstate', () => void render());
window.addEventListener(RENDER_EVENT, () => void render());
// Canvas charts take their colours when drawn: a theme switch redraws the page.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => void render());
window.addEventListener(UNAUTHORIZED_EVENT, () => {
  settings = undefined;
  fill(root, loginView(() => void render(), 'the server refused the key; sign in again'));
});
void render();
