/** A colour of the current theme (the CSS custom properties follow prefers-color-scheme). */
export function themeColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** One colour per wait class, the same on every chart. */
export const WAIT_CLASS_COLORS: Record<string, string> = {
  lock: '#d9534f',
  disk: '#f0ad4e',
  network: '#5bc0de',
  ipc: '#9b59b6',
  'run-queue': '#e67e22',
  other: '#7f8c8d',
  idle: '#95a5a6',
};
