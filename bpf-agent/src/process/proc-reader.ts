/** Reads what /proc says about one process; every file is optional (the process may be gone, or hidden). */
import { readFileSync, readlinkSync } from 'node:fs';

/** What identity is computed from: raw /proc contents, secrets included; never exported as is. */
export interface ProcessFacts {
  /** readlink of /proc/PID/exe, kernel markers (` (deleted)`) included. */
  exeLink: string | undefined;
  comm: string | undefined;
  /** /proc/PID/cmdline split on NUL; empty for kernel threads and zombies. */
  argv: readonly string[];
  /** /proc/PID/environ entries (`KEY=value`); empty when not readable. */
  environ: readonly string[];
  /** /proc/PID/cgroup as read. */
  cgroup: string | undefined;
  /** readlink of /proc/PID/cwd, used to resolve a relative script path. */
  cwd: string | undefined;
  /** Field 22 of /proc/PID/stat: start time after boot, in clock ticks. */
  startTimeTicks: number | undefined;
}

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** NUL-separated list -> entries; the trailing NUL does not make an empty entry. */
function nulSeparated(text: string | undefined): string[] {
  if (!text) return [];
  return (text.endsWith('\0') ? text.slice(0, -1) : text).split('\0');
}

/**
 * The start time from /proc/PID/stat. Fields are counted after the last `)`,
 * since comm (field 2) may itself hold spaces and parentheses.
 */
export function startTimeFromStat(stat: string): number | undefined {
  const afterComm = stat.slice(stat.lastIndexOf(')') + 1).trim().split(' ');
  // afterComm[0] is field 3 (state), so field 22 is afterComm[19].
  const ticks = Number(afterComm[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

export function readProcessStartTime(tgid: number, procRoot = '/proc'): number | undefined {
  const stat = readOrUndefined(() => readFileSync(`${procRoot}/${tgid}/stat`, 'latin1'));
  return stat === undefined ? undefined : startTimeFromStat(stat);
}

/** Undefined once the process has exited (nothing of it is readable any more). */
export function readProcessFacts(tgid: number, procRoot = '/proc'): ProcessFacts | undefined {
  const dir = `${procRoot}/${tgid}`;
  const startTimeTicks = readProcessStartTime(tgid, procRoot);
  const comm = readOrUndefined(() => readFileSync(`${dir}/comm`, 'utf8').trim());
  if (startTimeTicks === undefined && comm === undefined) return undefined;
  return {
    exeLink: readOrUndefined(() => readlinkSync(`${dir}/exe`)),
    comm,
    argv: nulSeparated(readOrUndefined(() => readFileSync(`${dir}/cmdline`, 'utf8'))),
    environ: nulSeparated(readOrUndefined(() => readFileSync(`${dir}/environ`, 'utf8'))),
    cgroup: readOrUndefined(() => readFileSync(`${dir}/cgroup`, 'utf8')),
    cwd: readOrUndefined(() => readlinkSync(`${dir}/cwd`)),
    startTimeTicks,
  };
}
