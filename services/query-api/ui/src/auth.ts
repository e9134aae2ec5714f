// The API key lives in this tab's sessionStorage: never in a URL (shared links
// carry no secret), gone when the tab closes.
const STORAGE_KEY = 'stallscope.apiKey';

export const apiKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const saveApiKey = (key: string): void => sessionStorage.setItem(STORAGE_KEY, key);
export const forgetApiKey = (): void => sessionStorage.removeItem(STORAGE_KEY);
