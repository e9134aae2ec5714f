import { arm64SyscallNames } from './arm64.js';
import { x86_64SyscallNames } from './x86_64.js';

export type SyscallArch = 'x86_64' | 'arm64';

const tables: Record<SyscallArch, ReadonlyMap<number, string>> = {
  x86_64: x86_64SyscallNames,
  arm64: arm64SyscallNames,
};

/** Maps Node's process.arch to the syscall table of that architecture. */
export function syscallArchOf(nodeArch: string): SyscallArch {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'arm64';
  throw new Error(`no syscall table for architecture ${nodeArch} (supported: x64, arm64)`);
}

export function syscallTable(arch: SyscallArch): ReadonlyMap<number, string> {
  return tables[arch];
}

/** Unknown numbers keep a stable, queryable name instead of being dropped. */
export function syscallName(arch: SyscallArch, nr: number): string {
  return tables[arch].get(nr) ?? `syscall_${nr}`;
}

/** The numbers of these syscalls, in the order named; a name the architecture lacks is an error. */
export function syscallNumbers(arch: SyscallArch, names: Iterable<string>): number[] {
  const numberOf = new Map([...tables[arch]].map(([nr, name]) => [name, nr]));
  return [...names].map((name) => {
    const nr = numberOf.get(name);
    if (nr === undefined) throw new Error(`no syscall named ${name} on ${arch}`);
    return nr;
  });
}
