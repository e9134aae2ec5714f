import { CliError, EXIT_USAGE } from '../cli-error.js';
import { queryOf, type Command, type OptionValues } from './command.js';

const PROFILE_TYPES = ['cpu', 'offcpu', 'goroutine-wait'] as const;

/** Each format the /v1/profiles route writes, with the media type asked for and whether it is binary. */
const PROFILE_FORMATS: Readonly<Record<string, { accept: string; binary: boolean }>> = {
  folded: { accept: 'text/plain', binary: false },
  pprof: { accept: 'application/octet-stream', binary: true },
  speedscope: { accept: 'application/json', binary: false },
};

function oneOf(values: OptionValues, flag: string, allowed: readonly string[], fallback: string): string {
  const value = (values[flag] as string | undefined) ?? fallback;
  if (!allowed.includes(value)) throw new CliError(`--${flag} must be ${allowed.join(', ')}; got ${value}`, EXIT_USAGE);
  return value;
}

/**
 * `stallscope profile`: a service's CPU, off-CPU or goroutine-wait profile, written out as the
 * API sends it (folded stacks for flamegraph.pl, pprof for `go tool pprof`,
 * speedscope JSON), to stdout or --output.
 */
export const profileCommand: Command = {
  name: 'profile',
  synopsis: 'profile <service> [--type cpu|offcpu|goroutine-wait] [--format folded|pprof|speedscope] [--window 15m | --from T --to T] [--host H] [--output FILE]',
  summary: "a service's CPU, off-CPU or goroutine-wait profile (default cpu, folded stacks); pprof needs --output or a pipe; --json means speedscope",
  options: {
    type: { type: 'string' },
    format: { type: 'string' },
    window: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    host: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  positionals: ['service'],
  request(values, [service]) {
    const type = oneOf(values, 'type', PROFILE_TYPES, 'cpu');
    if (values.json && values.format !== undefined && values.format !== 'speedscope') throw new CliError('--json is the speedscope format; give one of --json or --format', EXIT_USAGE);
    const format = oneOf(values, 'format', Object.keys(PROFILE_FORMATS), values.json ? 'speedscope' : 'folded');
    if (values.window !== undefined && (values.from !== undefined || values.to !== undefined)) throw new CliError('give --window or --from/--to, not both', EXIT_USAGE);
    const query = new URLSearchParams({ service: service ?? '' });
    for (const [name, value] of queryOf(values, { window: 'window', from: 'from', to: 'to', host: 'host' })) query.set(name, value);
    query.set('format', format);
    return {
      path: `/v1/profiles/${type}`,
      query,
      verbatim: { ...PROFILE_FORMATS[format]!, outputFile: values.output as string | undefined },
    };
  },
};
