// The harness of the encode benchmarks (trace-encode.mjs, point-encode.mjs):
// each way from a message to its RowBinary rows timed in a process of its own
// (V8's object shapes and optimizations are per process), the ways in turn,
// round after round, the first way the baseline the others are put against.
import { execFileSync } from 'node:child_process';
import { GCProfiler } from 'node:v8';
import { median, printTable } from './kit.mjs';

/**
 * [µs per item, GC pause µs per item] of `encode` (a message's row count) over
 * `messages`: medians of `passes` passes after two that warm up.
 */
export function timePasses(encode, messages, items, passes = 5) {
  const times = [];
  const pauses = [];
  for (let pass = 0; pass < passes + 2; pass++) {
    const profiler = new GCProfiler();
    profiler.start();
    const start = process.hrtime.bigint();
    let rows = 0;
    for (const message of messages) rows += encode(message);
    const us = Number(process.hrtime.bigint() - start) / 1e3;
    const gcUs = profiler.stop().statistics.reduce((total, gc) => total + gc.cost, 0);
    if (rows !== items) throw new Error(`${rows} rows for ${items} items`);
    if (pass >= 2) {
      times.push(us / items);
      pauses.push(gcUs / items);
    }
  }
  return [median(times), median(pauses)];
}

/**
 * Runs `script --child <way> <file>` (with `args` before) for each of `ways`
 * ([label, way, file], the first the baseline), `rounds` rounds in turn; each
 * child prints [µs, GC µs] per item as its last line. Prints the medians
 * against the baseline, per `unit` (span, point).
 */
export function compareWays({ name, script, args, ways, rounds, unit, heading }) {
  const figures = new Map(ways.map(([label]) => [label, { times: [], pauses: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const [label, way, file] of ways) {
      const output = execFileSync(process.execPath, [script, ...args, '--child', way, file], { encoding: 'utf8' });
      const [us, gcUs] = JSON.parse(output.trim().split('\n').at(-1));
      figures.get(label).times.push(us);
      figures.get(label).pauses.push(gcUs);
      process.stderr.write(`\r${name}: round ${round + 1}/${rounds}, ${label}: ${us.toFixed(2)} µs per ${unit}     `);
    }
  }
  process.stderr.write('\n');
  const baseline = median(figures.get(ways[0][0]).times);
  console.log(`${name}: ${heading}; each way in its own process, ${rounds} rounds in turn; medians`);
  printTable(
    ['way', `µs per ${unit}`, 'of it GC pauses µs', `${unit}s/s`, `vs ${ways[0][1]}`],
    ways.map(([label]) => {
      const us = median(figures.get(label).times);
      return [label, us.toFixed(2), median(figures.get(label).pauses).toFixed(2), `${(1000 / us).toFixed(0)}k`, (us / baseline).toFixed(2)];
    }),
  );
}
