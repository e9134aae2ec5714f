import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Gives every thread of this process the nice value `niceness`, leaving any
 * thread that already has a higher one; returns how many it changed. Linux
 * keeps a nice value per thread and a new thread or child takes its creator's:
 * the threads Node started before this (V8's, libuv's) each need it, while
 * threads and children made later (the engine's pools, the loader) inherit it.
 */
export function lowerPriority(niceness: number, taskDir = '/proc/self/task'): number {
  let changed = 0;
  for (const entry of readdirSync(taskDir)) {
    const tid = Number(entry);
    try {
      if (getPriority(tid) >= niceness) continue;
      setPriority(tid, niceness);
      changed++;
    } catch (error) {
      // A thread that ended since the listing has nothing left to lower.
      if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH') throw error;
    }
  }
  return changed;
}
