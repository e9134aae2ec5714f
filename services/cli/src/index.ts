export { CLI_USAGE, commands, runCli } from './run.js';
export type { CliIo } from './run.js';
export { CliError, EXIT_FAILED, EXIT_USAGE } from './cli-error.js';
