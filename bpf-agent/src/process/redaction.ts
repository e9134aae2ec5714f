/**
 * Secret redaction for command lines. Everything the agent exports about a
 * process's arguments goes through redactArgv first, and service naming reads
 * the redacted argv too, so no name or attribute can carry a secret.
 *
 * Over-redaction only loses a little detail, under-redaction leaks a secret:
 * where a form is ambiguous, the value is redacted.
 */
import { basename } from 'node:path';

export const REDACTED = 'REDACTED';

// Matched against the key lowercased with separators removed, so
// `keyStorePassword`, `API_KEY`, `--api-key` and `apikey` all hit.
const SECRET_KEY_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'auth',
] as const;
// keytool's -storepass/-keypass, redis-cli's --pass.
const SECRET_KEY_SUFFIX = 'pass';
// A key that names where a secret is kept (`--password-file=/run/secrets/db`)
// holds a path, not the secret; the path helps whoever debugs the service.
const SECRET_LOCATION_SUFFIXES = ['file', 'path', 'dir', 'location'] as const;
// `--no-auth`, `--disable-token`: switches, not options taking a secret.
const SWITCH_PREFIXES = ['no', 'disable', 'enable', 'skip', 'with', 'without'] as const;
// `Authorization: Bearer xyz` keeps its scheme; only the credential goes.
const AUTH_SCHEME = /^(?:bearer|basic|token|digest|negotiate|apikey)\s+/i;
// scheme://user:password@host; the password may be empty, `@` in it is percent-encoded.
const URL_USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#@\s:]*):([^/?#@\s]*)@/g;
// https://TOKEN@host: over HTTP a lone user part is how tokens are passed (git
// remotes), not a user name; ssh://git@host and the like keep theirs.
const HTTP_USER_ONLY = /(https?:\/\/)([^/?#@\s:]+)@/gi;
// A bearer token outside an Authorization header (`--header=Bearer x`).
const BEARER_TOKEN = /\b(bearer\s+)(?!REDACTED)[^\s,;'"]+/gi;
// A key followed by `=` or `:`, anywhere in an argument (`--password=x`,
// `AWS_SECRET_ACCESS_KEY=x`, `-Dtls.keyStorePassword=x`, `jdbc:...?password=x`,
// `{"password":"x"}`).
const KEY_AND_SEPARATOR = /([A-Za-z0-9_.-]+)(["']?\s*[=:]\s*)/g;
// `--password` or `-storepass` standing alone: its value is the next argument.
const STANDALONE_OPTION = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/;

const normalizedKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether a key (option, property or variable name) names a secret value. */
export function isSecretKey(key: string): boolean {
  const normalized = normalizedKey(key);
  if (SECRET_LOCATION_SUFFIXES.some((suffix) => normalized.endsWith(suffix))) return false;
  return normalized.endsWith(SECRET_KEY_SUFFIX) || SECRET_KEY_PARTS.some((part) => normalized.includes(part));
}

function isSecretOptionTakingValue(name: string): boolean {
  const lowered = name.toLowerCase();
  if (SWITCH_PREFIXES.some((prefix) => lowered.startsWith(`${prefix}-`) || lowered.startsWith(`${prefix}_`))) return false;
  return isSecretKey(name);
}

/** The end (exclusive) of the value starting at `start`: a quoted string, else up to a delimiter. */
function valueEnd(text: string, start: number): number {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const closing = text.indexOf(quote, start + 1);
    return closing < 0 ? text.length : closing + 1;
  }
  const rest = text.slice(start);
  const delimiter = rest.search(/[\s&;,]/);
  return delimiter < 0 ? text.length : start + delimiter;
}

function redactKeyedValues(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  KEY_AND_SEPARATOR.lastIndex = 0;
  for (let match = KEY_AND_SEPARATOR.exec(text); match; match = KEY_AND_SEPARATOR.exec(text)) {
    if (!isSecretKey(match[1]!)) {
      // Rescan from the separator on: the value may itself hold `key=secret`
      // (`--conf=spark.authenticate.secret=x`).
      KEY_AND_SEPARATOR.lastIndex = match.index + match[0].length;
      continue;
    }
    let valueStart = match.index + match[0].length;
    valueStart += AUTH_SCHEME.exec(text.slice(valueStart))?.[0].length ?? 0;
    // A URL's password, already redacted: the host after it stays readable.
    if (text.startsWith(REDACTED, valueStart)) {
      KEY_AND_SEPARATOR.lastIndex = valueStart + REDACTED.length;
      continue;
    }
    // A key that starts the argument owns all of it (`--password=a,b c`);
    // inside a longer text the value ends at a delimiter (`?password=x&ssl=1`).
    const end = match.index === 0 ? text.length : valueEnd(text, valueStart);
    if (end > valueStart) {
      out += text.slice(copiedUpTo, valueStart) + REDACTED;
      copiedUpTo = end;
    }
    KEY_AND_SEPARATOR.lastIndex = Math.max(end, valueStart + 1);
  }
  return out + text.slice(copiedUpTo);
}

/** Redacts secrets inside one piece of text: URL passwords, values of secret-named keys, bearer tokens. */
export function redactText(text: string): string {
  const withoutUrlSecrets = text.replace(URL_USERINFO, `$1$2:${REDACTED}@`).replace(HTTP_USER_ONLY, `$1${REDACTED}@`);
  return redactKeyedValues(withoutUrlSecrets).replace(BEARER_TOKEN, `$1${REDACTED}`);
}

type ShortOptionValue = 'attached' | 'next' | 'next-user-colon-password';
interface ShortPasswordOption {
  programs: RegExp;
  option: string;
  value: ShortOptionValue;
}

// Single-letter options mean a password only for these programs (`-p` is a
// port or a path almost everywhere else), so they are matched per program.
const SHORT_PASSWORD_OPTIONS: readonly ShortPasswordOption[] = [
  // mysql -psecret (a separate `-p secret` prompts, and `secret` is the database)
  { programs: /^(?:mysql|mariadb)[a-z-]*$/, option: '-p', value: 'attached' },
  { programs: /^redis-cli$/, option: '-a', value: 'next' },
  { programs: /^sshpass$/, option: '-p', value: 'next' },
  { programs: /^mongo(?:sh)?$/, option: '-p', value: 'next' },
  { programs: /^curl$/, option: '-u', value: 'next-user-colon-password' },
  { programs: /^curl$/, option: '--user', value: 'next-user-colon-password' },
  { programs: /^curl$/, option: '-U', value: 'next-user-colon-password' },
  { programs: /^curl$/, option: '--proxy-user', value: 'next-user-colon-password' },
];

function redactUserColonPassword(value: string): string {
  const colon = value.indexOf(':');
  return colon < 0 ? value : `${value.slice(0, colon + 1)}${REDACTED}`;
}

/**
 * A redacted copy of a command line (argv). Handles `--password=x`,
 * `--password x`, `-storepass x`, `KEY_WITH_SECRET=x`, `-Dprop.password=x`,
 * URL passwords, `Authorization: Bearer x` and the well-known short options of
 * mysql, redis-cli, sshpass, mongo and curl. `--password-file=/path` style
 * options keep their path.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const program = basename(argv[0] ?? '');
  const shortOptions = SHORT_PASSWORD_OPTIONS.filter((entry) => entry.programs.test(program));
  const redacted: string[] = [];
  let nextValue: ShortOptionValue | undefined;
  for (const [index, arg] of argv.entries()) {
    if (nextValue !== undefined) {
      redacted.push(nextValue === 'next-user-colon-password' ? redactUserColonPassword(arg) : REDACTED);
      nextValue = undefined;
      continue;
    }
    if (index > 0) {
      const short = shortOptions.find((entry) => arg === entry.option || (entry.value === 'attached' && arg.startsWith(entry.option)));
      if (short) {
        if (short.value === 'attached') {
          redacted.push(arg.length > short.option.length ? `${short.option}${REDACTED}` : arg);
        } else {
          redacted.push(arg);
          nextValue = short.value;
        }
        continue;
      }
      const standalone = STANDALONE_OPTION.exec(arg);
      if (standalone && isSecretOptionTakingValue(standalone[1]!)) {
        redacted.push(arg);
        nextValue = 'next';
        continue;
      }
    }
    redacted.push(redactText(arg));
  }
  return redacted;
}
