import { getJson } from './api.js';

/** What the server tells the page about itself (GET /ui/settings.json). */
export interface UiSettings {
  /** A Jaeger UI to link traces to; empty for none. */
  jaegerUiUrl: string;
}

export const loadSettings = (): Promise<UiSettings> => getJson<UiSettings>('settings.json');
