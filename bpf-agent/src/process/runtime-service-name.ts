/**
 * Runtime-aware naming: a process whose executable is an interpreter or a VM
 * (java, node, python, ...) is named by the program it runs, never by the runtime.
 */
import { basename } from 'node:path';
import { javaServiceName } from './java-command-line.js';
import { scriptServiceName, scriptTarget, type ScriptInterpreter } from './script-command-line.js';

const set = (...items: string[]): ReadonlySet<string> => new Set(items);

const NODE: ScriptInterpreter = {
  longOptionsWithValue: set(
    '--require',
    '--import',
    '--loader',
    '--experimental-loader',
    '--conditions',
    '--input-type',
    '--title',
    '--env-file',
    '--env-file-if-exists',
    '--inspect-port',
    '--debug-port',
    '--redirect-warnings',
    '--openssl-config',
    '--icu-data-dir',
    '--diagnostic-dir',
    '--report-dir',
    '--report-directory',
    '--report-filename',
    '--report-signal',
    '--cpu-prof-dir',
    '--cpu-prof-name',
    '--heap-prof-dir',
    '--heap-prof-name',
    '--heapsnapshot-signal',
    '--secure-heap',
    '--secure-heap-min',
    '--tls-cipher-list',
    '--tls-keylog',
    '--unhandled-rejections',
    '--watch-path',
    '--disable-warning',
    '--experimental-config-file',
    '--max-old-space-size',
    '--max-semi-space-size',
    '--stack-size',
    '--stack-trace-limit',
  ),
  shortOptionsWithValue: 'rC',
  groupsShortOptions: false,
  inlineCodeOptions: set('-e', '--eval', '-p', '--print'),
};

const BUN: ScriptInterpreter = {
  longOptionsWithValue: set('--preload', '--config', '--cwd', '--env-file', '--port', '--tsconfig-override', '--conditions'),
  shortOptionsWithValue: 'rc',
  groupsShortOptions: false,
  inlineCodeOptions: set('-e', '--eval', '-p', '--print'),
  subcommands: set('run'),
};

const DENO: ScriptInterpreter = {
  longOptionsWithValue: set('--config', '--import-map', '--lock', '--cert', '--location', '--seed', '--ext', '--port', '--host'),
  shortOptionsWithValue: 'c',
  groupsShortOptions: false,
  inlineCodeOptions: set(),
  subcommands: set('run', 'serve'),
};

const PYTHON: ScriptInterpreter = {
  longOptionsWithValue: set('--check-hash-based-pycs'),
  shortOptionsWithValue: 'WXQ',
  groupsShortOptions: true,
  inlineCodeOptions: set('-c'),
  moduleOption: 'm',
};

const RUBY: ScriptInterpreter = {
  longOptionsWithValue: set('--encoding', '--external-encoding', '--internal-encoding', '--enable', '--disable'),
  shortOptionsWithValue: 'IrCEF',
  shortOptionsWithAttachedValue: 'W0xTK',
  groupsShortOptions: true,
  inlineCodeOptions: set('-e'),
};

const PERL: ScriptInterpreter = {
  longOptionsWithValue: set(),
  shortOptionsWithValue: '',
  shortOptionsWithAttachedValue: 'IMmxlDiC0dV',
  groupsShortOptions: true,
  inlineCodeOptions: set('-e', '-E'),
};

const PHP: ScriptInterpreter = {
  longOptionsWithValue: set('--php-ini', '--define', '--zend-extension', '--docroot', '--server'),
  shortOptionsWithValue: 'cdztS',
  groupsShortOptions: false,
  inlineCodeOptions: set('-r', '--run'),
  scriptOption: 'f',
};

const SHELL: ScriptInterpreter = {
  longOptionsWithValue: set('--rcfile', '--init-file'),
  shortOptionsWithValue: 'oO',
  groupsShortOptions: true,
  inlineCodeOptions: set('-c', '-s'),
};

interface Runtime {
  /** process.runtime.name: `java`, `nodejs`, `python`, ..., or the shell's own name. */
  runtimeName: string;
  serviceName: (argv: readonly string[], cwd: string | undefined) => string | undefined;
}

function interpreted(runtimeName: string, interpreter: ScriptInterpreter): Runtime {
  return {
    runtimeName,
    serviceName: (argv, cwd) => {
      const target = scriptTarget(interpreter, argv);
      if (!target) return undefined;
      return target.kind === 'module' ? target.name : scriptServiceName(target.path, cwd);
    },
  };
}

const RUNTIMES: ReadonlyArray<{ executable: RegExp; runtime: Runtime }> = [
  { executable: /^java$/, runtime: { runtimeName: 'java', serviceName: (argv) => javaServiceName(argv) } },
  { executable: /^(?:node|nodejs)$/, runtime: interpreted('nodejs', NODE) },
  { executable: /^bun$/, runtime: interpreted('bun', BUN) },
  { executable: /^deno$/, runtime: interpreted('deno', DENO) },
  { executable: /^python(?:\d+(?:\.\d+)*)?$/, runtime: interpreted('python', PYTHON) },
  { executable: /^pypy(?:\d+(?:\.\d+)*)?$/, runtime: interpreted('pypy', PYTHON) },
  { executable: /^ruby(?:\d+(?:\.\d+)*)?$/, runtime: interpreted('ruby', RUBY) },
  { executable: /^perl(?:\d+(?:\.\d+)*)?$/, runtime: interpreted('perl', PERL) },
  { executable: /^php(?:\d+(?:\.\d+)*)?(?:-cli)?$/, runtime: interpreted('php', PHP) },
  ...['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash'].map((shell) => ({
    executable: new RegExp(`^${shell}$`),
    runtime: interpreted(shell, SHELL),
  })),
];

function runtimeOf(executableName: string | undefined): Runtime | undefined {
  if (!executableName) return undefined;
  return RUNTIMES.find((entry) => entry.executable.test(executableName))?.runtime;
}

export interface RuntimeServiceName {
  runtimeName: string;
  /** Undefined when the command line names no program (`python3 -c ...`, `java -version`). */
  serviceName: string | undefined;
}

/**
 * The runtime is recognised by the executable's file name, else by argv[0]'s
 * (a busybox `sh`, an interpreter run from a memfd); undefined for a process
 * that is not a known runtime.
 */
export function runtimeServiceName(
  executableFileName: string | undefined,
  argv: readonly string[],
  cwd: string | undefined,
): RuntimeServiceName | undefined {
  const runtime = runtimeOf(executableFileName) ?? runtimeOf(argv[0] === undefined ? undefined : basename(argv[0]));
  if (!runtime) return undefined;
  return { runtimeName: runtime.runtimeName, serviceName: runtime.serviceName(argv, cwd) };
}
