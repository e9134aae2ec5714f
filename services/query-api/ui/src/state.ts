// Everything a page shows is decided by its URL's query string (view, service,
// window, filters...), so any page can be shared or reloaded as it is.

export type View = 'overview' | 'service' | 'trace' | 'slos';

export const RENDER_EVENT = 'stallscope:navigate';

export function currentState(): URLSearchParams {
  return new URLSearchParams(location.search);
}

/** The page's own address for these parameters (empty values left out). */
export function hrefOf(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, value);
  return `${location.pathname}?${query.toString()}`;
}

/** Goes to another state without reloading; the back button returns. */
export function navigate(href: string): void {
  history.pushState(null, '', href);
  window.dispatchEvent(new Event(RENDER_EVENT));
}

/** Changes some parameters of the current state in place (a filter, the window). */
export function updateState(changes: Record<string, string | undefined>): void {
  const params = Object.fromEntries(currentState());
  navigate(hrefOf({ ...params, ...changes }));
}

/** Plain left clicks on in-page links navigate without a reload; others (new tab) keep the browser's way. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    const link = (event.target as Element).closest('a');
    if (!link || link.target === '_blank' || link.origin !== location.origin || link.pathname !== location.pathname) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.href);
  });
}
