import { homedir } from 'node:os';
import { parseArgs } from 'node:util';
import { getJson } from './api-client.js';
import { API_KEY_ENV, API_URL_ENV, DEFAULT_API_URL, DEFAULT_KEY_FILE, resolveApiTarget } from './api-target.js';
import { CliError, EXIT_USAGE } from './cli-error.js';
import type { Command, OptionValues } from './commands/command.js';
import { errorsCommand } from './commands/errors.js';
import { seriesCommand } from './commands/series.js';
import { topCommand } from './commands/top.js';
import { traceCommand } from './commands/trace.js';
import { colourEnabled, createStyle } from './format/style.js';

/** Every subcommand, in the order the usage lists them. */
export const commands: readonly Command[] = [topCommand, errorsCommand, traceCommand, seriesCommand];

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
Tables fit the terminal; colour only on a terminal, never with NO_COLOR set.`;

/** What a run reads and writes; the process's own unless a test gives others. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
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
  if (positionals.length !== command.positionals.length) {
    const wanted = command.positionals.length === 0 ? 'no arguments' : command.positionals.map((name) => `<${name}>`).join(' ');
    throw new CliError(`${command.name} takes ${wanted}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\nusage: stallscope ${command.synopsis}`, EXIT_USAGE);
  }
  const { path, query } = command.request(values, positionals);
  const target = resolveApiTarget({
    flags: { url: values.url as string | undefined, key: values.key as string | undefined, keyFile: values['key-file'] as string | undefined },
    env: io.env,
    homeDir: io.homeDir,
    cwd: io.cwd,
  });
  const answer = await getJson(target, path, query, io.fetch);
  if (values.json) {
    io.stdout.write(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
    return;
  }
  const width = io.stdout.isTTY ? io.stdout.columns : undefined;
  const style = createStyle(colourEnabled(io.stdout, io.env));
  io.stdout.write(`${command.render(answer.body, { width, style })}\n`);
}

/** Runs `stallscope <command> ...` (argv without the program); the exit code, after one message on stderr when it failed. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help') {
    io.stdout.write(`${CLI_USAGE}\n`);
    return 0;
  }
  try {
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new CliError(`unknown command ${name}\n${CLI_USAGE}`, EXIT_USAGE);
    await runCommand(command, args, io);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(`stallscope: ${error.message}\n`);
    return error.exitCode;
  }
}
