import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** What the agent knows of a traced process; nothing secret is kept. */
export interface ProcessInfo {
  serviceName: string;
  executableName: string;
  containerId: string | undefined;
}

const SERVICE_NAME_VAR = 'OTEL_SERVICE_NAME=';
const CONTAINER_ID = /([0-9a-f]{64})(?:\.scope)?\s*$/m;

function readOrUndefined(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Only OTEL_SERVICE_NAME is taken from the environment; the rest of it (which
 * may hold secrets) is never kept or exported.
 */
export function serviceNameFromEnviron(environ: string): string | undefined {
  for (const entry of environ.split('\0')) {
    if (entry.startsWith(SERVICE_NAME_VAR)) {
      const value = entry.slice(SERVICE_NAME_VAR.length).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

export function containerIdFromCgroup(cgroup: string): string | undefined {
  return CONTAINER_ID.exec(cgroup)?.[1];
}

/** Reads /proc for one process; undefined once it has exited. */
export function readProcessInfo(tgid: number, procRoot = '/proc'): ProcessInfo | undefined {
  const dir = `${procRoot}/${tgid}`;
  const exePath = readOrUndefined(() => readlinkSync(`${dir}/exe`));
  const comm = readOrUndefined(() => readFileSync(`${dir}/comm`, 'utf8').trim());
  const executableName = exePath ? basename(exePath.replace(/ \(deleted\)$/, '')) : comm;
  if (executableName === undefined) return undefined;
  const environ = readOrUndefined(() => readFileSync(`${dir}/environ`, 'latin1'));
  const cgroup = readOrUndefined(() => readFileSync(`${dir}/cgroup`, 'utf8'));
  return {
    serviceName: (environ && serviceNameFromEnviron(environ)) ?? executableName,
    executableName,
    containerId: cgroup ? containerIdFromCgroup(cgroup) : undefined,
  };
}
