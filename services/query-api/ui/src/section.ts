import { ApiFailure } from './api.js';
import { h, fill, type Child } from './dom.js';

/**
 * A titled part of a page that loads on its own: "loading" until its data
 * comes, then the content, or the API's message when the request failed (one
 * failing part leaves the others standing).
 */
export function section(title: string, load: () => Promise<Child>, className = ''): HTMLElement {
  const body = h('div', { class: 'section-body' }, h('p', { class: 'muted' }, 'loading…'));
  const element = h('section', { class: `card ${className}`.trim(), 'data-state': 'loading' }, h('h2', {}, title), body);
  load().then(
    (content) => {
      fill(body, content);
      element.dataset.state = 'loaded';
    },
    (error: unknown) => {
      const message = error instanceof ApiFailure ? `${error.code}: ${error.message}` : String(error);
      fill(body, h('p', { class: 'error', role: 'alert' }, message));
      element.dataset.state = 'failed';
    },
  );
  return element;
}

/** Runs the tasks with at most `limit` in flight (a table's sparklines must not flood the API's rate limit). */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
