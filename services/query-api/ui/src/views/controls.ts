import { h } from '../dom.js';
import { WINDOWS } from '../format.js';
import { currentState, updateState } from '../state.js';

/** The window picker every page shares; the choice is in the URL. */
export function windowPicker(): HTMLElement {
  const current = currentState().get('window') ?? '15m';
  const choices = WINDOWS.includes(current as (typeof WINDOWS)[number]) ? [...WINDOWS] : [current, ...WINDOWS];
  const select = h(
    'select',
    { name: 'window', 'aria-label': 'window', onchange: (event: Event) => updateState({ window: (event.target as HTMLSelectElement).value }) },
    choices.map((window) => h('option', { value: window, selected: window === current }, `last ${window}`)),
  );
  return h('label', { class: 'control' }, 'Window ', select);
}

/** A text filter applied when it changes (enter or leaving the field). */
export function textFilter(name: string, label: string): HTMLElement {
  const input = h('input', {
    name,
    type: 'search',
    placeholder: 'any',
    value: currentState().get(name) ?? '',
    onchange: (event: Event) => updateState({ [name]: (event.target as HTMLInputElement).value.trim() || undefined }),
  });
  return h('label', { class: 'control' }, `${label} `, input);
}

export function checkbox(name: string, label: string): HTMLElement {
  const input = h('input', {
    name,
    type: 'checkbox',
    checked: currentState().get(name) === 'true',
    onchange: (event: Event) => updateState({ [name]: (event.target as HTMLInputElement).checked ? 'true' : undefined }),
  });
  return h('label', { class: 'control' }, input, ` ${label}`);
}

export function selectFilter(name: string, label: string, values: readonly string[]): HTMLElement {
  const current = currentState().get(name) ?? '';
  const select = h(
    'select',
    { name, onchange: (event: Event) => updateState({ [name]: (event.target as HTMLSelectElement).value || undefined }) },
    h('option', { value: '' }, 'any'),
    values.map((value) => h('option', { value, selected: value === current }, value)),
  );
  return h('label', { class: 'control' }, `${label} `, select);
}
