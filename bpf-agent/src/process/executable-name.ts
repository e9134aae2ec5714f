/** The executable's name as a person would say it, from /proc/PID/exe, argv[0] and comm. */
import { basename } from 'node:path';

const DELETED_SUFFIX = ' (deleted)';
// A program run from memory (fexecve of a memfd, as runc and some packers do):
// readlink gives `/memfd:<label> (deleted)`, a label chosen by whoever loaded it.
const MEMFD_PREFIX = 'memfd:';

/** /proc/PID/exe without the kernel's ` (deleted)` marker. */
export function executablePathOf(exeLink: string): string {
  return exeLink.endsWith(DELETED_SUFFIX) ? exeLink.slice(0, -DELETED_SUFFIX.length) : exeLink;
}

/** argv[0] as a program name: `-bash` (login shell) -> `bash`; a rewritten title (`nginx: worker process`) -> `nginx`. */
export function argv0Name(argv0: string | undefined): string | undefined {
  const word = argv0?.replace(/^-/, '').split(/[\s:]/, 1)[0];
  const name = word ? basename(word) : '';
  return name === '' ? undefined : name;
}

/**
 * The executable's file name, unless the file no longer names the program: for
 * a memfd exe argv[0] (else comm); for a deleted file argv[0] (the path may be a
 * temporary copy), else the deleted file's name. Kernel threads have neither
 * exe nor argv: comm.
 */
export function executableName(exeLink: string | undefined, argv0: string | undefined, comm: string | undefined): string | undefined {
  if (exeLink === undefined) return argv0Name(argv0) ?? comm;
  const fileName = basename(executablePathOf(exeLink));
  if (fileName.startsWith(MEMFD_PREFIX)) return argv0Name(argv0) ?? comm ?? fileName;
  if (exeLink.endsWith(DELETED_SUFFIX)) return argv0Name(argv0) ?? fileName;
  return fileName;
}
