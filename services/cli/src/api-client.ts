import type { ApiTarget } from './api-target.js';
import { API_KEY_ENV, API_URL_ENV } from './api-target.js';
import { CliError } from './cli-error.js';

const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiAnswer {
  /** The body as the API sent it, for --json. */
  text: string;
  body: unknown;
}

/** The API's coded error message, or the status line when the body is not one. */
function apiMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return `${body.error.message} (${status} ${body.error.code ?? ''})`.replace(' )', ')');
  } catch {
    // Not JSON: a proxy's page or an empty body; the status says enough.
  }
  return `HTTP ${status}`;
}

function failure(status: number, text: string, target: ApiTarget, path: string): CliError {
  const message = apiMessage(status, text);
  if (status === 404 && message === 'HTTP 404') return new CliError(`${target.url} has no route ${path} (404): is it a stallscope query API of this version?`);
  if (status === 401) {
    const given = target.key === undefined ? 'no key was given' : 'the key was not accepted';
    return new CliError(`${message}: ${given}; pass --key, --key-file or ${API_KEY_ENV} (the all-in-one's admin key is in data/auth-token)`);
  }
  if (status === 403) return new CliError(`${message}: the key's scope does not cover this; use a key for these services or the admin key`);
  return new CliError(message);
}

/** An answer taken as it came: its bytes and content type, for formats the command writes out unchanged. */
export interface RawAnswer {
  contentType: string;
  bytes: Uint8Array;
}

/** GET path?query with the bearer key; the answer of a 2xx, or a CliError saying what went wrong and what to try. */
export async function getRaw(target: ApiTarget, path: string, query: URLSearchParams, accept: string, fetchImpl: typeof fetch = fetch): Promise<RawAnswer> {
  const search = query.size > 0 ? `?${query.toString()}` : '';
  let response: Response;
  try {
    response = await fetchImpl(`${target.url}${path}${search}`, {
      headers: { accept, ...(target.key === undefined ? {} : { authorization: `Bearer ${target.key}` }) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new CliError(`cannot reach the query API at ${target.url} (${reason}); is stallscope running? set --url or ${API_URL_ENV}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) throw failure(response.status, new TextDecoder().decode(bytes), target, path);
  return { contentType: response.headers.get('content-type') ?? '', bytes };
}

/** GET path?query as JSON: the parsed body, or a CliError saying what went wrong and what to try. */
export async function getJson(target: ApiTarget, path: string, query: URLSearchParams, fetchImpl: typeof fetch = fetch): Promise<ApiAnswer> {
  const answer = await getRaw(target, path, query, 'application/json', fetchImpl);
  const text = new TextDecoder().decode(answer.bytes);
  try {
    return { text, body: JSON.parse(text) };
  } catch {
    throw new CliError(`${target.url}${path} answered with a body that is not JSON; is ${target.url} a stallscope query API?`);
  }
}
