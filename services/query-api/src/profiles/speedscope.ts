// A profile as a speedscope file (https://www.speedscope.app/file-format-schema.json):
// one sampled profile, one sample per stack weighted by its time.
import type { ProfileStack, ProfileType } from './profile-stacks-query.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: { name: string }[] };
  profiles: {
    type: 'sampled';
    name: string;
    unit: 'nanoseconds';
    startValue: number;
    endValue: number;
    /** Frame indexes, root first. */
    samples: number[][];
    weights: number[];
  }[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

export function renderSpeedscope(stacks: readonly ProfileStack[], options: { type: ProfileType; service: string }): SpeedscopeFile {
  const frameIndex = new Map<string, number>();
  const indexOf = (frame: string): number => {
    let index = frameIndex.get(frame);
    if (index === undefined) {
      index = frameIndex.size;
      frameIndex.set(frame, index);
    }
    return index;
  };
  const samples = stacks.map((stack) => stack.frames.map(indexOf));
  const weights = stacks.map((stack) => stack.nanoseconds);
  const name = `${options.service} ${{ cpu: 'CPU time', offcpu: 'off-CPU time', 'goroutine-wait': 'goroutine wait time' }[options.type]}`;
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    shared: { frames: [...frameIndex.keys()].map((frame) => ({ name: frame })) },
    profiles: [
      { type: 'sampled', name, unit: 'nanoseconds', startValue: 0, endValue: weights.reduce((sum, weight) => sum + weight, 0), samples, weights },
    ],
    name,
    activeProfileIndex: 0,
    exporter: 'stallscope',
  };
}
