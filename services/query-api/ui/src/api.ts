import { apiKey, forgetApiKey } from './auth.js';

/** An API answer other than 2xx, with the API's own message ({ error: { code, message } }). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Fired when the key is refused, so the page can ask for another. */
export const UNAUTHORIZED_EVENT = 'stallscope:unauthorized';

type Params = Record<string, string | number | boolean | undefined>;

function urlOf(path: string, params: Params): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function request(path: string, params: Params): Promise<Response> {
  const response = await fetch(urlOf(path, params), { headers: { authorization: `Bearer ${apiKey() ?? ''}` } });
  if (response.ok) return response;
  let code = `HTTP_${response.status}`;
  let message = response.statusText;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not the API's JSON (a proxy's page): the status says enough.
  }
  if (response.status === 401) {
    forgetApiKey();
    window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  }
  throw new ApiFailure(response.status, code, `${path}: ${message}`);
}

export async function getJson<T>(path: string, params: Params = {}): Promise<T> {
  return (await (await request(path, params)).json()) as T;
}

export async function getText(path: string, params: Params = {}): Promise<string> {
  return (await request(path, params)).text();
}
