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

/**
 * V8 flags for a process that runs the ingest. V8 sizes the old generation's
 * limit from what survived its last full collection (~20 MB of modules and
 * clients here) and starts marking the whole heap once the young generation
 * could fill what is left: in a drain that was a full collection every ~14k
 * spans, and V8's marking threads took a third of the ingest's CPU. With the
 * limit no lower than 128 MiB it marks far less often: bench/ingest.mjs's
 * drain took 7.2–7.4 CPU s per million spans with Node's defaults and 6.3–6.4
 * with this (alternating runs), for the same peak RSS.
 */
export const INGEST_HEAP_FLAGS = ['--initial-old-space-size=128'] as const;

const SERVER_SIDE: readonly ModuleName[] = ['ingest', 'query-api', 'collector'];

/** What a process restarts itself with before it runs its modules. */
export interface HeapRestart {
  flags: readonly string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The V8 flags (and environment) this process, about to run `modules`,
 * should restart itself with; undefined when none, when the user gave that
 * setting (NODE_OPTIONS or the command line), or once restarted.
 */
export function heapRestart(modules: readonly ModuleName[], execArgv: readonly string[], { lite }: { lite: boolean }): HeapRestart | undefined {
  const given = [...execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const gave = (flag: string) => given.some((option) => option.startsWith(flag.slice(0, flag.indexOf('='))));
  if (modules.includes('agent') && !modules.some((name) => SERVER_SIDE.includes(name))) {
    if (gave(AGENT_HEAP_FLAGS[0])) return undefined;
    return {
      flags: [...AGENT_HEAP_FLAGS, ...(lite ? AGENT_LITE_FLAGS : [])],
      env: { ...process.env, GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? AGENT_MALLOC_TUNABLES },
    };
  }
  if (modules.includes('ingest') && !gave(INGEST_HEAP_FLAGS[0])) return { flags: [...INGEST_HEAP_FLAGS], env: process.env };
  return undefined;
}

/** Replaces this process with itself under the restart's flags and environment: same pid, so supervisors and signals are unaffected. */
export function restartWith({ flags, env }: HeapRestart): never {
  process.execve!(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], env);
  throw new Error('process.execve returned');
}
