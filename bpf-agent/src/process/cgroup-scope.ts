/**
 * The agent's cgroup scope: when set, only processes in one cgroup's subtree
 * are reported, so several agents on one kernel can each stand for a "host"
 * (a fleet simulated on one machine, or a node shared by tenants).
 *
 * A scope names a cgroup as /proc/PID/cgroup shows it: a v2 path (`/fleet/a`,
 * matched against the `0::` line) or `<v1 hierarchy>:<path>` (`memory:/fleet/a`,
 * `name=systemd:/fleet/a`) on a v1 or hybrid layout.
 */
export interface CgroupScope {
  /** The scope as configured, for log lines. */
  readonly spec: string;
  /** Whether a process whose /proc/PID/cgroup reads `cgroupFile` is in the subtree; unknown (undefined) is not. */
  contains(cgroupFile: string | undefined): boolean;
}

export class CgroupScopeError extends Error {
  override name = 'CgroupScopeError';
}

/** v1 hierarchy names: controllers, comma-joined, or a named hierarchy (`name=systemd`). */
const HIERARCHY = /^[A-Za-z0-9_,=.-]+$/;

/** The scope of a config value; undefined (every process) for the empty string. */
export function parseCgroupScope(spec: string): CgroupScope | undefined {
  if (spec === '') return undefined;
  const colon = spec.indexOf(':');
  const hierarchy = colon === -1 ? '' : spec.slice(0, colon);
  const rawPath = colon === -1 ? spec : spec.slice(colon + 1);
  if (hierarchy !== '' && !HIERARCHY.test(hierarchy)) {
    throw new CgroupScopeError(`cgroup scope ${JSON.stringify(spec)}: "${hierarchy}" is not a cgroup v1 hierarchy name`);
  }
  if (!rawPath.startsWith('/')) {
    throw new CgroupScopeError(`cgroup scope ${JSON.stringify(spec)}: the path must start with / (as in /proc/PID/cgroup)`);
  }
  // "/a/b/" and "/a/b" are the same cgroup; "/" is the whole hierarchy.
  const path = rawPath.length > 1 ? rawPath.replace(/\/+$/, '') : rawPath;
  const inSubtree = (processPath: string): boolean =>
    path === '/' || processPath === path || processPath.startsWith(`${path}/`);
  return {
    spec,
    contains(cgroupFile) {
      if (cgroupFile === undefined) return false;
      for (const line of cgroupFile.split('\n')) {
        // hierarchy-ID:controller-list:cgroup-path; the path may itself hold colons.
        const first = line.indexOf(':');
        const second = line.indexOf(':', first + 1);
        if (first === -1 || second === -1) continue;
        const controllers = line.slice(first + 1, second);
        const matches = hierarchy === '' ? controllers === '' : controllers.split(',').includes(hierarchy) || controllers === hierarchy;
        if (matches) return inSubtree(line.slice(second + 1));
      }
      return false;
    },
  };
}
