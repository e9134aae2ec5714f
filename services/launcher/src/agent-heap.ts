import type { ModuleName } from './modules.js';

/**
 * V8 flags for a process that runs the agent and no server-side module. Node's
 * young generation is sized for throughput (tens of MiB of semi-spaces) and
 * was most of an idle agent's memory; the agent runs on every host of a fleet
 * and allocates little per interval, so a small one costs it a few more
 * scavenges and saves that memory on each host.
 */
export const AGENT_HEAP_FLAGS = ['--max-semi-space-size=2'] as const;
/**
 * With agent.liteRuntime: the optimizing compilers' code and working memory,
 * and compiled code kept for functions that no longer run, were most of what a
 * whole-host agent held beyond an idle Node process.
 */
export const AGENT_LITE_FLAGS = ['--lite-mode'] as const;

/**
 * glibc malloc settings for the same process. The symbolizer reads ELF symbol
 * and string tables of many MiB each; with glibc's default, the mmap threshold
 * rises to the largest block freed, later reads come from the heap, and what
 * they free stays in the process (an agent quiet for a minute held ~40 MB more
 * than with these). A fixed threshold returns large blocks on free; two arenas
 * serve a process that mallocs from few threads. Other C libraries ignore it.
 */
export const AGENT_MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072:glibc.malloc.arena_max=2';

const SERVER_SIDE: readonly ModuleName[] = ['ingest', 'query-api', 'collector'];

/** Whether this process, about to run `modules`, should first restart itself with AGENT_HEAP_FLAGS. */
export function wantsAgentHeap(modules: readonly ModuleName[], execArgv: readonly string[]): boolean {
  if (!modules.includes('agent') || modules.some((name) => SERVER_SIDE.includes(name))) return false;
  // Flags the user gave (NODE_OPTIONS or the command line) win.
  const given = [...execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return !given.some((flag) => flag.startsWith('--max-semi-space-size'));
}

/**
 * Replaces this process (same pid, so supervisors and signals are unaffected)
 * with itself under AGENT_HEAP_FLAGS (and AGENT_LITE_FLAGS when `lite`) and,
 * unless the environment sets its own, AGENT_MALLOC_TUNABLES.
 */
export function restartWithAgentHeap({ lite }: { lite: boolean }): never {
  const env = { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? AGENT_MALLOC_TUNABLES };
  const flags = [...AGENT_HEAP_FLAGS, ...(lite ? AGENT_LITE_FLAGS : [])];
  process.execve!(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], env);
  throw new Error('process.execve returned');
}
