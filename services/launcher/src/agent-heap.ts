import type { ModuleName } from './modules.js';

/**
 * V8 flags for a process that runs the agent and no server-side module. Node's
 * young generation is sized for throughput (tens of MiB of semi-spaces) and
 * was most of an idle agent's memory; the agent runs on every host of a fleet
 * and allocates little per interval, so a small one costs it a few more
 * scavenges and saves that memory on each host.
 */
export const AGENT_HEAP_FLAGS = ['--max-semi-space-size=2'] as const;

const SERVER_SIDE: readonly ModuleName[] = ['ingest', 'query-api', 'collector'];

/** Whether this process, about to run `modules`, should first restart itself with AGENT_HEAP_FLAGS. */
export function wantsAgentHeap(modules: readonly ModuleName[], execArgv: readonly string[]): boolean {
  if (!modules.includes('agent') || modules.some((name) => SERVER_SIDE.includes(name))) return false;
  // Flags the user gave (NODE_OPTIONS or the command line) win.
  const given = [...execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return !given.some((flag) => flag.startsWith('--max-semi-space-size'));
}

/** Replaces this process (same pid, so supervisors and signals are unaffected) with itself under AGENT_HEAP_FLAGS. */
export function restartWithAgentHeap(): never {
  process.execve!(process.execPath, [process.execPath, ...AGENT_HEAP_FLAGS, ...process.execArgv, ...process.argv.slice(1)], process.env);
  throw new Error('process.execve returned');
}
