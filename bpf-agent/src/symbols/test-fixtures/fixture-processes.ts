// Builds the C and Go fixture programs and runs them until they print the
// addresses a test must symbolize. Shared by the ELF and symbolizer tests.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Sources stay in src/ (tsc copies only .ts output to dist/). */
const fixtureSources = join(here, '..', '..', '..', '..', 'src', 'symbols', 'test-fixtures');
const repoRoot = join(here, '..', '..', '..', '..', '..');

/** A fixed GNU build id, so a test can assert the exact one the reader finds. */
export const C_FIXTURE_BUILD_ID = '0123456789abcdef0123456789abcdef01234567';

function missingTool(tool: string, versionArg: string): string | undefined {
  const probe = spawnSync(tool, [versionArg], { stdio: 'ignore' });
  return probe.error ? `${tool} is not installed` : undefined;
}

export const cSkipReason = missingTool('cc', '--version');
export const goSkipReason = missingTool('go', 'version');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
}

let buildDir: string | undefined;
const built = new Map<string, string>();

/** Builds each fixture once per test process, into a directory removed when the process exits. */
function buildOnce(name: string, build: (output: string) => void): string {
  if (buildDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'stallscope-symbols-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    buildDir = dir;
  }
  let output = built.get(name);
  if (output === undefined) {
    output = join(buildDir, name);
    build(output);
    built.set(name, output);
  }
  return output;
}

/** A PIE (Debian's cc default) linked against glibc with -pthread. */
export function buildCFixture(): string {
  return buildOnce('c-addresses', (output) =>
    run('cc', ['-O2', '-pthread', `-Wl,--build-id=0x${C_FIXTURE_BUILD_ID}`, '-o', output, join(fixtureSources, 'c-addresses.c')]));
}

/**
 * A non-PIE Go executable (go build's default on linux/amd64), with its
 * .symtab; `stripped` drops it (-s -w), `externalLink` has the system linker
 * link it (as cgo programs are), which puts C start-up code before Go's text.
 */
export function buildGoFixture(options: { stripped?: boolean; externalLink?: boolean } = {}): string {
  const ldflags = [...(options.stripped ? ['-s', '-w'] : []), ...(options.externalLink ? ['-linkmode=external'] : [])];
  const name = `go-addresses${options.stripped ? '-stripped' : ''}${options.externalLink ? '-external' : ''}`;
  return buildOnce(name, (output) =>
    run('go', ['build', `-ldflags=${ldflags.join(' ')}`, '-o', output, join(fixtureSources, 'go-addresses.go')], {
      ...process.env,
      // The build cache persists across runs in the repository's ignored .cache/.
      GOCACHE: join(repoRoot, '.cache', 'go-build'),
      GOTOOLCHAIN: 'local',
    }));
}

export interface FixtureProcess {
  child: ChildProcess;
  pid: number;
  /** name -> address, as the program printed them. */
  addresses: Map<string, bigint>;
}

/** Runs a fixture until it prints `ready`; the caller kills it. */
export function startFixture(executable: string, args: string[] = []): Promise<FixtureProcess> {
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${executable} exited early (${code}): ${output}`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (!/^ready$/m.test(output)) return;
      const addresses = new Map<string, bigint>();
      for (const [, name, hex] of output.matchAll(/^(\S+) (0x[0-9a-f]+)$/gm)) addresses.set(name!, BigInt(hex!));
      resolve({ child, pid: child.pid!, addresses });
    });
  });
}
