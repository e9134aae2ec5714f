/**
 * Names an interpreted program from its interpreter's command line: the script
 * (or Python's `-m` module), skipping the interpreter's own options and their
 * values.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';

export interface ScriptInterpreter {
  /** Long options whose value is the next argument unless written `--opt=value`. */
  longOptionsWithValue: ReadonlySet<string>;
  /** Short option letters taking a value: the rest of the argument or the next one. */
  shortOptionsWithValue: string;
  /** Short option letters whose value, if any, is attached (`perl -MData::Dumper`): never the next argument. */
  shortOptionsWithAttachedValue?: string;
  /** Whether short options may be grouped (`python -uB`, `bash -ex`). */
  groupsShortOptions: boolean;
  /** Options giving the program inline (`-c`, `-e`, `--eval`): there is no script to name. */
  inlineCodeOptions: ReadonlySet<string>;
  /** Python's `-m module`. */
  moduleOption?: string;
  /** PHP's `-f file`: the script given as an option. */
  scriptOption?: string;
  /** Subcommands before the script (`deno run main.ts`, `bun run index.ts`). */
  subcommands?: ReadonlySet<string>;
}

/** The script path or module the command line runs, before it is turned into a name. */
export type ScriptTarget = { kind: 'script'; path: string } | { kind: 'module'; name: string };

function shortOptionTarget(
  interpreter: ScriptInterpreter,
  arg: string,
  next: string | undefined,
): { target?: ScriptTarget | 'inline'; consumesNext: boolean } {
  const letters = interpreter.groupsShortOptions ? arg.slice(1) : arg.length === 2 ? arg.slice(1) : '';
  for (const [position, letter] of [...letters].entries()) {
    const attached = letters.slice(position + 1);
    const value = attached === '' ? next : attached;
    const consumesNext = attached === '';
    if (interpreter.inlineCodeOptions.has(`-${letter}`)) return { target: 'inline', consumesNext };
    if (letter === interpreter.moduleOption) return { target: value === undefined ? 'inline' : { kind: 'module', name: value }, consumesNext };
    if (letter === interpreter.scriptOption && value !== undefined) return { target: { kind: 'script', path: value }, consumesNext };
    if (interpreter.shortOptionsWithValue.includes(letter)) return { consumesNext };
    if (interpreter.shortOptionsWithAttachedValue?.includes(letter)) return { consumesNext: false };
  }
  return { consumesNext: false };
}

/** Finds what the interpreter runs; undefined for inline code, a REPL or stdin. */
export function scriptTarget(interpreter: ScriptInterpreter, argv: readonly string[]): ScriptTarget | undefined {
  let subcommandAllowed = interpreter.subcommands !== undefined;
  for (let index = 1; index < argv.length; index++) {
    const arg = argv[index]!;
    const next = argv[index + 1];
    if (arg === '--') return next === undefined ? undefined : { kind: 'script', path: next };
    if (arg === '-') return undefined;
    if (arg.startsWith('--')) {
      const [name] = arg.split('=', 1) as [string];
      if (interpreter.inlineCodeOptions.has(name)) return undefined;
      if (interpreter.longOptionsWithValue.has(name) && !arg.includes('=')) index++;
      continue;
    }
    // `+o pipefail` in shells.
    if (arg.startsWith('+')) {
      if (interpreter.shortOptionsWithValue.includes(arg.slice(1, 2))) index++;
      continue;
    }
    if (arg.startsWith('-')) {
      const { target, consumesNext } = shortOptionTarget(interpreter, arg, next);
      if (target === 'inline') return undefined;
      if (target) return target;
      if (consumesNext) index++;
      continue;
    }
    if (subcommandAllowed && interpreter.subcommands?.has(arg)) {
      subcommandAllowed = false;
      continue;
    }
    return { kind: 'script', path: arg };
  }
  return undefined;
}

const SCRIPT_EXTENSIONS = /\.(?:[cm]?[jt]sx?|py[cw]?|rb|pl|pm|php|sh|bash|zsh|ksh)$/i;
// Entry points named by convention, not by the service: the directory says more.
const CONVENTIONAL_SCRIPT_NAMES = new Set([
  'index',
  'main',
  'server',
  'app',
  'start',
  'run',
  '__main__',
  'cli',
  'manage',
  'wsgi',
  'asgi',
  'entrypoint',
  'docker-entrypoint',
]);
// Directories that hold a project's build output or a system's programs, not the project.
const CONVENTIONAL_DIRECTORIES = new Set([
  'dist',
  'build',
  'lib',
  'src',
  'out',
  'bin',
  'sbin',
  'app',
  'apps',
  'srv',
  'opt',
  'usr',
  'local',
  'scripts',
  'script',
  'home',
  'root',
  'tmp',
]);

function projectDirectoryName(scriptPath: string): string | undefined {
  for (let dir = dirname(scriptPath); ; dir = dirname(dir)) {
    const name = basename(dir);
    if (name === '' || name === '.' || name === '..') return undefined;
    if (!CONVENTIONAL_DIRECTORIES.has(name)) return name;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * A script's service name: its file name without the extension
 * (`/srv/bin/billing-worker.js` -> `billing-worker`). A conventional entry
 * point (`index`, `main`, `server`, `app`, `run`, ...) is named by its project
 * directory instead: the nearest directory above it that is not a build or
 * system directory (`/srv/checkout/dist/server.js` -> `checkout`), a relative
 * script resolved against the process's working directory when known. With no
 * such directory the file name stays (`/app/server.js` -> `server`).
 */
export function scriptServiceName(scriptPath: string, cwd: string | undefined): string | undefined {
  // A program read from an inherited fd (`bash /dev/fd/3`, process substitution) has no name of its own.
  if (/^\/(?:dev|proc\/self|proc\/\d+)\/fd\//.test(scriptPath)) return undefined;
  const name = basename(scriptPath).replace(SCRIPT_EXTENSIONS, '');
  if (name === '') return undefined;
  if (!CONVENTIONAL_SCRIPT_NAMES.has(name)) return name;
  const absolute = isAbsolute(scriptPath) ? scriptPath : cwd && isAbsolute(cwd) ? resolve(cwd, scriptPath) : scriptPath;
  return projectDirectoryName(absolute) ?? name;
}
