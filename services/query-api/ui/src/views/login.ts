import { getJson } from '../api.js';
import { saveApiKey } from '../auth.js';
import { h } from '../dom.js';

/**
 * Asks for an API key (the all-in-one's is in data/auth-token) and keeps it
 * for this tab once the server accepts it.
 */
export function loginView(onAccepted: () => void, problem = ''): HTMLElement {
  const input = h('input', { name: 'apiKey', type: 'password', autocomplete: 'current-password', required: true, size: 48 });
  const message = h('p', { class: 'error', role: 'alert' }, problem);
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: (event: Event) => {
        event.preventDefault();
        saveApiKey(input.value.trim());
        getJson('settings.json').then(onAccepted, () => (message.textContent = 'the server refused this key'));
      },
    },
    h('h2', {}, 'API key'),
    h('p', { class: 'muted' }, 'The key this server accepts: the admin token (data/auth-token in the all-in-one) or a key from the API key file. It stays in this tab only.'),
    h('label', { class: 'control' }, 'Key ', input),
    h('button', { type: 'submit' }, 'Sign in'),
    message,
  );
  return form;
}
