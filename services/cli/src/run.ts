import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getJson, getRaw } from './api-client.js';
import { API_KEY_ENV, API_URL_ENV, DEFAULT_API_URL, DEFAULT_KEY_FILE, resolveApiTarget, type ApiTarget } from './api-target.js';
import { CliError, EXIT_USAGE } from './cli-error.js';
import type { ApiRequest, Command, OptionValues, Verbatim } from './commands/command.js';
import { diagnoseCommand } from './commands/diagnose.js';
import { errorsCommand } from './commands/errors.js';
import { profileCommand } from './commands/profile.js';
import { seriesCommand } from './commands/series.js';
import { sloListCommand, sloReportCommand } from './commands/slo.js';
import { topCommand } from './commands/top.js';
import { traceCommand } from './commands/trace.js';
import { colourEnabled, createStyle } from './format/style.js';

/** Every subcommand, in the order the usage lists them. */
export const commands: readonly Command[] = [
  topCommand,
  errorsCommand,
  traceCommand,
  seriesCommand,
  diagnoseCommand,
  sloListCommand,
  sloReportCommand,
  profileCommand,
];

const COMMON_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  'key-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CLI_USAGE = `usage: stallscope <command> [options]   query a running stallscope
       stallscope --target ...            run modules (stallscope --help)

commands:
${commands.map((command) => `  ${command.synopsis}\n      ${command.summary}`).join('\n')}

options of every command:
  --url URL        the query API (${API_URL_ENV}; default ${DEFAULT_API_URL})
  --key KEY        its bearer key (${API_KEY_ENV}), or --key-file FILE;
                   default: ./${DEFAULT_KEY_FILE} when it exists (the all-in-one's admin key)
  --json           the API's JSON answer as is, for scripts

Flags win over the environment, which wins over $XDG_CONFIG_HOME/stallscope/cli.yaml
(~/.config/stallscope/cli.yaml) with url and key or keyFile.
Tables fit the terminal; colour only on a terminal, never with NO_COLOR set.
Exit codes: 0 done, 1 the API refused or could not be reached, 2 a wrong command line.`;

/** What a run reads and writes; the process's own unless a test gives others. */
export interface CliIo {
  stdout: { write(chunk: string | Uint8Array): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  fetch?: typeof fetch;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), homeDir: homedir() };
}

function parseCommandLine(command: Command, args: string[]): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\nusage: stallscope ${command.synopsis}`, EXIT_USAGE);
  }
}

async function runCommand(command: Command, args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandLine(command, args);
  if (values.help) {
    io.stdout.write(`usage: stallscope ${command.synopsis}\n  ${command.summary}\n\n${CLI_USAGE}\n`);
    return;
  }
  const optional = command.optionalPositionals ?? [];
  if (positionals.length < command.positionals.length || positionals.length > command.positionals.length + optional.length) {
    const names = [...command.positionals.map((name) => `<${name}>`), ...optional.map((name) => `[${name}]`)];
    const wanted = names.length === 0 ? 'no arguments' : names.join(' ');
    throw new CliError(`${command.name} takes ${wanted}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\nusage: stallscope ${command.synopsis}`, EXIT_USAGE);
  }
  const request = command.request(values, positionals);
  const binaryToTerminal = request.verbatim?.binary === true && request.verbatim.outputFile === undefined && io.stdout.isTTY === true;
  if (binaryToTerminal) throw new CliError(`${command.name} --format ${values.format as string} is binary: give --output FILE or pipe it`, EXIT_USAGE);
  const target = resolveApiTarget({
    flags: { url: values.url as string | undefined, key: values.key as string | undefined, keyFile: values['key-file'] as string | undefined },
    env: io.env,
    homeDir: io.homeDir,
    cwd: io.cwd,
  });
  if (request.verbatim) {
    await writeVerbatim(request, request.verbatim, target, io);
    return;
  }
  const answer = await getJson(target, request.path, request.query, io.fetch);
  if (values.json || !command.render) {
    io.stdout.write(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
    return;
  }
  const width = io.stdout.isTTY ? io.stdout.columns : undefined;
  const style = createStyle(colourEnabled(io.stdout, io.env));
  io.stdout.write(`${command.render(answer.body, { width, style })}\n`);
}

/** Markdown, HTML or a profile as the API sent it: to the output file when one is named, else to stdout. */
async function writeVerbatim(request: ApiRequest, verbatim: Verbatim, target: ApiTarget, io: CliIo): Promise<void> {
  const answer = await getRaw(target, request.path, request.query, verbatim.accept, io.fetch);
  const { outputFile } = verbatim;
  if (outputFile === undefined) {
    io.stdout.write(answer.bytes);
    return;
  }
  const path = resolve(io.cwd, outputFile);
  try {
    writeFileSync(path, answer.bytes);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  io.stdout.write(`wrote ${answer.bytes.length} bytes (${answer.contentType || 'no content type'}) to ${path}\n`);
}

/** The command named by the first word, or by the first two (`slo report`), and the arguments after its name. */
function findCommand(name: string, args: readonly string[]): [Command, string[]] {
  const single = commands.find((candidate) => candidate.name === name);
  if (single) return [single, [...args]];
  const [sub, ...rest] = args;
  const double = commands.find((candidate) => candidate.name === `${name} ${sub}`);
  if (double) return [double, rest];
  const family = commands.filter((candidate) => candidate.name.startsWith(`${name} `)).map((candidate) => candidate.name.slice(name.length + 1));
  if (family.length > 0) {
    const given = sub === undefined ? 'none' : sub;
    throw new CliError(`${name} needs one of ${family.join(', ')}; got ${given}\nusage: ${family.map((word) => `stallscope ${name} ${word}`).join(' | ')}`, EXIT_USAGE);
  }
  throw new CliError(`unknown command ${name}\n${CLI_USAGE}`, EXIT_USAGE);
}

/** Runs `stallscope <command> ...` (argv without the program); the exit code, after one message on stderr when it failed. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help') {
    io.stdout.write(`${CLI_USAGE}\n`);
    return 0;
  }
  try {
    const [command, commandArgs] = findCommand(name, args);
    await runCommand(command, commandArgs, io);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`stallscope: ${error.message}\n`);
    return error.exitCode;
  }
}
