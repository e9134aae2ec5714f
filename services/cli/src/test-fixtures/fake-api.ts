// Test fixture: runs the CLI in-process against a fake HTTP boundary that
// answers every request with one status, body and content type, and records
// what was asked. Tests only.
import { runCli, type CliIo } from '../run.js';

export interface FakeAnswer {
  status?: number;
  /** JSON-encoded unless it is a string or bytes. */
  body?: unknown;
  contentType?: string;
}

export interface Terminal {
  isTTY?: boolean;
  columns?: number;
  env?: Record<string, string>;
  cwd?: string;
}

export interface FakeRun {
  code: number;
  stdout: string;
  stdoutBytes: Uint8Array;
  stderr: string;
  requests: { url: string; accept: string | null }[];
}

export async function runAgainstFakeApi(argv: string[], answer: FakeAnswer, terminal: Terminal & { cwd: string }): Promise<FakeRun> {
  const chunks: Uint8Array[] = [];
  let stderr = '';
  const requests: FakeRun['requests'] = [];
  const io: CliIo = {
    stdout: {
      write: (chunk: string | Uint8Array) => chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk),
      isTTY: terminal.isTTY ?? false,
      columns: terminal.columns ?? 80,
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: terminal.env ?? {},
    cwd: terminal.cwd,
    homeDir: terminal.cwd,
    fetch: async (input, init) => {
      requests.push({ url: String(input), accept: new Headers(init?.headers).get('accept') });
      const { body = {}, status = 200, contentType = 'application/json' } = answer;
      const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      return new Response(payload as string | Uint8Array<ArrayBuffer>, { status, headers: { 'content-type': contentType } });
    },
  };
  const code = await runCli(argv, io);
  const stdoutBytes = Buffer.concat(chunks);
  return { code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr, requests };
}
