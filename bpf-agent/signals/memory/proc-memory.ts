/** What the memory signal reads of a process in /proc: its major fault count, RSS and memory cgroup. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Field 12 of /proc/PID/stat: major faults of the whole thread group, cumulative. */
  majorFaults: number;
  /** Field 24 (pages) in bytes. */
  rssBytes: number;
  /** Field 22: tells the process apart from a later one given the same pid. */
  startTimeTicks: number;
}

let pageSize: number | undefined;

/** The kernel's page size (4 KiB on x86-64, 4, 16 or 64 KiB on arm64). */
export function systemPageSize(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

/** Fields are counted after the last `)`: comm (field 2) may hold spaces and parentheses. */
export function procMemoryFromStat(stat: string, pageBytes: number): ProcMemory | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(' ');
  // fields[0] is field 3 (state): field N is fields[N - 3].
  const majorFaults = Number(fields[9]);
  const startTimeTicks = Number(fields[19]);
  const rssPages = Number(fields[21]);
  if (![majorFaults, startTimeTicks, rssPages].every(Number.isSafeInteger)) return undefined;
  return { majorFaults, rssBytes: rssPages * pageBytes, startTimeTicks };
}

export function readProcMemory(tgid: number, procRoot = '/proc'): ProcMemory | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${tgid}/stat`, 'latin1');
  } catch {
    return undefined; // exited
  }
  return procMemoryFromStat(stat, systemPageSize());
}

/**
 * The memory cgroup of a /proc/PID/cgroup text: cgroup v1's memory controller
 * line where there is one (a hybrid host limits memory there), else the v2 line.
 */
export function memoryCgroupOf(cgroupFile: string): string | undefined {
  let unified: string | undefined;
  for (const line of cgroupFile.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers!.split(',').includes('memory')) return path;
    if (controllers === '') unified = path;
  }
  return unified;
}

export function readMemoryCgroup(tgid: number, procRoot = '/proc'): string | undefined {
  try {
    return memoryCgroupOf(readFileSync(`${procRoot}/${tgid}/cgroup`, 'utf8'));
  } catch {
    return undefined;
  }
}
