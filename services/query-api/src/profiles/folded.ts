import type { ProfileStack } from './profile-stacks-query.js';

/**
 * Flame graph tools' folded text, one `root;...;leaf value` line per stack,
 * heaviest first. The value is an integer: samples for a CPU profile,
 * nanoseconds off CPU for an off-CPU one.
 */
export function renderFolded(stacks: readonly ProfileStack[], value: 'samples' | 'nanoseconds'): string {
  return stacks.map((stack) => `${stack.frames.join(';')} ${value === 'samples' ? stack.count : stack.nanoseconds}\n`).join('');
}
