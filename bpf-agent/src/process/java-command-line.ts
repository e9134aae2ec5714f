/** Names a JVM from its command line: the main class, the `-jar` jar or the `-m` module. */
import { basename } from 'node:path';

// Launcher options whose value is the next argument (unless written `--opt=value`).
const OPTIONS_WITH_VALUE = new Set([
  '-cp',
  '-classpath',
  '--class-path',
  '-p',
  '--module-path',
  '--upgrade-module-path',
  '--add-modules',
  '--add-opens',
  '--add-exports',
  '--add-reads',
  '--patch-module',
  '--limit-modules',
  '--enable-native-access',
  '--source',
]);
const MODULE_OPTIONS = new Set(['-m', '--module']);
// `app-1.4.2.jar`, `orders-0.0.1-SNAPSHOT.jar`: the version changes with every
// release, the service does not.
const JAR_VERSION_SUFFIX = /-\d+(?:\.\d+)+(?:[-.][\w.-]*)?$/;

/** `/opt/app/orders-0.0.1-SNAPSHOT.jar` -> `orders`. */
export function jarServiceName(jarPath: string): string {
  const name = basename(jarPath).replace(/\.jar$/i, '');
  return name.replace(JAR_VERSION_SUFFIX, '') || name;
}

/** `module/main.Class` -> the class; a bare module name -> the module. */
function moduleServiceName(moduleAndClass: string): string | undefined {
  const [moduleName, mainClass] = moduleAndClass.split('/', 2);
  return mainClass || moduleName || undefined;
}

/**
 * The main class (`kafka.Kafka`), the jar's name for `-jar`, the main class or
 * module for `-m`, or the source file's name for `java Main.java`; undefined
 * when the command line names none (`java -version`).
 */
export function javaServiceName(argv: readonly string[]): string | undefined {
  for (let index = 1; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '-jar') return argv[index + 1] === undefined ? undefined : jarServiceName(argv[index + 1]!);
    if (MODULE_OPTIONS.has(arg)) return argv[index + 1] === undefined ? undefined : moduleServiceName(argv[index + 1]!);
    if (arg.startsWith('--module=')) return moduleServiceName(arg.slice('--module='.length));
    // @argfiles hold more options; their content is not on the command line.
    if (arg.startsWith('@')) continue;
    if (arg.startsWith('-')) {
      if (OPTIONS_WITH_VALUE.has(arg)) index++;
      continue;
    }
    return arg.endsWith('.java') ? basename(arg, '.java') : arg;
  }
  return undefined;
}
