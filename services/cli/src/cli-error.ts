/** Exit codes: 1 when the API or the network failed the command, 2 when the command line was wrong. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** One message for the user, and the exit code that goes with it. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = EXIT_FAILED) {
    super(message);
    this.exitCode = exitCode;
  }
}
